import type { Command } from 'commander';

/**
 * An example for every command, shown at the end of its --help in one style ("Examples:", one `$ ` line each).
 * Kept together so the style is the same everywhere; test/cli/helpStyle.test.ts fails for a command without one.
 * Commands whose own help text already ends with examples (convert, config migrate, env migrate, backfill
 * ranges, backfill dlq …)
 * are not listed.
 */
const EXAMPLES: Record<string, string[]> = {
  'db': ['tracktion-migrate db status', 'tracktion-migrate db migrate --dry-run'],
  'db migrate': ['tracktion-migrate db migrate --dry-run', 'tracktion-migrate db migrate --to AnalysisFields1732500001000 --json', 'tracktion-migrate db migrate --defer-indexes'],
  'db build-indexes': ['tracktion-migrate db build-indexes', 'tracktion-migrate db build-indexes --json'],
  'db rollback': ['tracktion-migrate db rollback --dry-run', 'tracktion-migrate db rollback --to base --allow-data-loss --drop-ledger --json'],
  'db status': ['tracktion-migrate db status --json'],
  'db plan': ['tracktion-migrate db plan > pending.sql', 'tracktion-migrate db plan --all'],
  'db backup': ['tracktion-migrate db backup --json'],
  'db restore': ['tracktion-migrate db restore backups/tracktion-20250101T000000Z.dump --yes'],
  'db verify': ['tracktion-migrate db verify', 'tracktion-migrate db verify --json | jq .ok'],
  'db dedupe-history': ['tracktion-migrate db dedupe-history', 'tracktion-migrate db dedupe-history --yes'],
  'db fleet-login': ['FLEET_DATABASE_PASSWORD=$(openssl rand -hex 24) tracktion-migrate db fleet-login', 'FLEET_DATABASE_PASSWORD_FILE=/run/secrets/fleet_db_password tracktion-migrate db fleet-login --json'],
  'db seed-demo': ['DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch tracktion-migrate db seed-demo --tracks 10000'],
  'backfill': ['tracktion-migrate backfill enqueue --wait', 'tracktion-migrate backfill status'],
  'backfill enqueue': ['tracktion-migrate backfill enqueue --range-size 2000 --json', 'tracktion-migrate backfill enqueue --from-id 1 --to-id 500000 --wait'],
  'backfill status': ['tracktion-migrate backfill status', 'tracktion-migrate backfill status 3 --watch --interval 5'],
  'backfill list': ['tracktion-migrate backfill list --json'],
  'backfill wait': ['tracktion-migrate backfill wait 3 --timeout 3600'],
  'backfill errors': ['tracktion-migrate backfill errors 3 --summary', 'tracktion-migrate backfill errors 3 --code invalid_json --csv > errors.csv'],
  'backfill pause': ['tracktion-migrate backfill pause 3 --reason "nightly batch window"'],
  'backfill resume': ['tracktion-migrate backfill resume 3'],
  'backfill cancel': ['tracktion-migrate backfill cancel 3 --reason "wrong analysis version"'],
  'backfill retry-failed': ['tracktion-migrate backfill retry-failed 3', 'tracktion-migrate backfill retry-failed 3 --rows --json'],
  'backfill resume-lost': ['tracktion-migrate backfill resume-lost 3'],
  'backfill rollback': ['tracktion-migrate backfill rollback 3', 'tracktion-migrate backfill rollback 3 --yes'],
  'backfill finalize': ['tracktion-migrate backfill finalize 3 --json'],
  'backfill throttle': ['tracktion-migrate backfill throttle 3 --max-rate 500', 'tracktion-migrate backfill throttle 3 --clear --json'],
  'producer': ['tracktion-migrate producer'],
  'consumer': ['tracktion-migrate consumer --prefetch 1'],
  'dashboard': ['DASHBOARD_TOKEN=$(openssl rand -hex 16) tracktion-migrate dashboard --port 8080'],
  'demo': ['tracktion-migrate demo', 'tracktion-migrate demo --tracks 20000 --consumers 2'],
  'config': ['tracktion-migrate config migrate --dry-run'],
  'env': ['tracktion-migrate env migrate --dry-run'],
};

/** The full name of a command under the program: "backfill errors". */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Attach the examples above to every command of the tree that has some. */
export function addExamples(program: Command): void {
  const visit = (cmd: Command) => {
    const lines = EXAMPLES[commandPath(cmd)];
    if (lines) cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
    cmd.commands.forEach(visit);
  };
  program.commands.forEach(visit);
}
