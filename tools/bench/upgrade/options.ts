import { Command } from 'commander';
import { intOption } from '../../../src/cli/options.js';
import { BENCH_DEFAULTS, plainName } from '../options.js';

/** What one `npm run bench:upgrade` run measures. */
export interface UpgradeBenchOptions {
  tracks: number;
  repeat: number;
  consumers: number;
  rangeSize: number;
  sqlChunkIds: number;
  /** The round's database; the seeded template is `<database>_template`. */
  databaseName: string;
  keepDatabase: boolean;
  jsonOut: string;
  namespace: string;
}

const HELP_AFTER = `
A whole upgrade of the same legacy library, two ways, each round on a fresh file copy of one seeded template
(the application's legacy schema from its own Alembic project, N tracks):
  reference  what a database administrator does without the tool: the application's Alembic revision (every
             index and check built up front), then the conversion as set-based SQL inside PostgreSQL in 2
             sessions (npm run bench's in-database reference)
  fleet      db migrate --defer-indexes, one backfill job (a producer and K consumers, started before the
             clock), db build-indexes; neither side takes a backup
Rounds alternate (reference, fleet, reference, fleet …); the medians are compared. Also measured: CPU of the
PostgreSQL backends doing the backfill and of the whole server, per 1,000,000 converted tracks.
Needs Debian's python3-alembic and python3-psycopg2, and PostgreSQL on this machine (CPU is read in /proc).`;


export function parseUpgradeBenchOptions(argv: string[], now = new Date()): UpgradeBenchOptions {
  const program = new Command('bench:upgrade')
    .description('Whole-upgrade benchmark: the tool (deferred indexes + fleet) against Alembic + in-database SQL.')
    .option('--tracks <n>', 'legacy tracks in the library', intOption(1, 100_000_000), 1_000_000)
    .option('--repeat <r>', 'rounds of each method; medians are compared', intOption(1, 20), 3)
    .option('--consumers <k>', 'consumer processes of the fleet', intOption(1, 64), BENCH_DEFAULTS.consumers)
    .option('--range-size <r>', 'range size of the fleet job', intOption(1, 1_000_000), BENCH_DEFAULTS.rangeSize)
    .option('--sql-chunk-ids <c>', 'ids per statement of the in-database reference', intOption(1, 100_000_000), BENCH_DEFAULTS.sqlChunkIds)
    .option('--database <name>', 'round database on the DATABASE_URL server (dropped and recreated; the template is <name>_template)', plainName(41), 'tracktion_upgrade_bench')
    .option('--keep-database', 'keep the template and the last round\'s database', false)
    .option('--json-out <file>', 'where the JSON results go', `bench-results/upgrade-${now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.json`)
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .parse(argv);
  const o = program.opts<{ tracks: number; repeat: number; consumers: number; rangeSize: number; sqlChunkIds: number; database: string; keepDatabase: boolean; jsonOut: string }>();
  return Object.freeze({
    tracks: o.tracks, repeat: o.repeat, consumers: o.consumers, rangeSize: o.rangeSize, sqlChunkIds: o.sqlChunkIds,
    databaseName: o.database, keepDatabase: o.keepDatabase, jsonOut: o.jsonOut,
    namespace: `bench-${now.getTime()}`,
  });
}
