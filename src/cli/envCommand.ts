import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { UsageError } from '../shared/errors.js';
import { planEnvMigration } from '../upgrades/env/migrate.js';
import { MASTER_KEY_PLACEHOLDER } from '../upgrades/env/steps.js';
import { ENV_VERSIONS, LATEST_ENV_VERSION, parseEnvVersion } from '../upgrades/env/versions.js';
import { buildReport } from '../upgrades/report.js';
import { printUpgradeRun } from './upgradeRun.js';
import { migrateFiles } from '../upgrades/runner.js';

/** The files `env migrate` looks at when none are named (relative to the working directory). */
export const DEFAULT_ENV_FILES = ['.env', '.env.development', '.env.production', '.env.testing'];

const HELP = `
Versions: ${ENV_VERSIONS.join(' -> ')}. The output is grouped by category (Database, Redis, RabbitMQ,
Authentication, Services, Security, Monitoring, Other), sorted within each; every variable and comment is
kept. No password is ever invented: a missing DB_PASSWORD becomes \${DB_PASSWORD} in DATABASE_URL, and
ENCRYPTION_MASTER_KEY becomes \${GENERATE_RANDOM_KEY} unless --generate-secrets is given.
Secret values are masked in every diff and report. Each changed file is first copied to
<file>.<old version>.backup with the same permissions, then replaced atomically.
With no FILES: ${DEFAULT_ENV_FILES.join(', ')}.

Examples:
  $ tracktion-migrate env migrate --dry-run
  $ tracktion-migrate env migrate .env.production --generate-secrets
  $ tracktion-migrate env migrate deploy/.env --to v2 --json

Exit status: 0 all files migrated or already current, 2 some file failed, 64 bad option.`;

interface EnvMigrateOptions {
  to: string;
  dryRun?: boolean;
  generateSecrets?: boolean;
  json?: boolean;
}

export function registerEnvCommand(program: Command): void {
  const env = program.command('env').description('.env files');
  env
    .command('migrate')
    .description('upgrade .env files to a newer version (default: the latest)')
    .argument('[files...]', '.env files (default: the standard set)')
    .option('--to <version>', `target version (${ENV_VERSIONS.join(', ')})`, LATEST_ENV_VERSION)
    .option('--dry-run', 'print a unified diff (secrets masked) and write nothing')
    .option('--generate-secrets', 'write a fresh random ENCRYPTION_MASTER_KEY (32 bytes, base64) instead of a placeholder')
    .option('--json', 'print one JSON object describing the run')
    .addHelpText('after', HELP)
    .action(async (files: string[], options: EnvMigrateOptions) => {
      const target = parseEnvVersion(options.to);
      if (!target) throw new UsageError(`--to: unknown .env version "${options.to}" (known versions: ${ENV_VERSIONS.join(', ')})`);
      const masterKey = options.generateSecrets ? () => randomBytes(32).toString('base64') : () => MASTER_KEY_PLACEHOLDER;
      const explicit = files.length > 0;
      const outcomes = await migrateFiles(
        explicit ? files : DEFAULT_ENV_FILES,
        (name, text) => planEnvMigration(name, text, { target, now: new Date(), masterKey }),
        { dryRun: options.dryRun === true },
      );
      const report = buildReport('env migrate', target, options.dryRun === true, outcomes, explicit);
      printUpgradeRun(report, options.json);
    });
}
