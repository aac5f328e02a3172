import { Command } from 'commander';
import { intOption } from '../../../src/cli/options.js';
import { BENCH_DEFAULTS, plainName, stamp } from '../options.js';

/** What one `npm run bench:e2e` run measures. */
export interface EndToEndOptions {
  /** Legacy tracks seeded (the whole table). */
  tracks: number;
  /** Consumer processes of the fleet. */
  consumers: number;
  /** The backfill job's range size. */
  rangeSize: number;
  /** Migrate as `db migrate --defer-indexes`, and time the deferred index build as a phase of its own. */
  deferIndexes: boolean;
  databaseName: string;
  keepDatabase: boolean;
  jsonOut: string;
  /** How often the backfill's converted count is read from the ledger (the rate-over-time series). */
  sampleSeconds: number;
  namespace: string;
}

/** Every default in one place; the range size is `npm run bench`'s, so the two benches measure the same job. */
export const END_TO_END_DEFAULTS = Object.freeze({
  tracks: 1_000_000,
  consumers: 2,
  rangeSize: BENCH_DEFAULTS.rangeSize,
  databaseName: 'tracktion_bench_e2e',
  sampleSeconds: 5,
});

const HELP_AFTER = `
One whole upgrade of a library of --tracks legacy tracks on the DATABASE_URL server, phase by phase:
  seed           recreate the database, migrate to Baseline only (the legacy schema), seed the tracks,
                 VACUUM (ANALYZE), CHECKPOINT
  migrate        db migrate: every remaining revision (with --defer-indexes, without the six analysis indexes)
  backfill       a producer and K consumers, started and ready before the clock; one job, enqueue to completed
  build-indexes  only with --defer-indexes: db build-indexes
  verify         db verify (schema and data checks); any FAIL makes the run exit non-zero
Each phase: its seconds, the WAL the server wrote meanwhile (pg_current_wal_lsn before and after; the whole
server's, so other work on it counts too) and the checkpoints it took. The backfill adds its rate over time
(converted tracks read from the ledger every --sample-seconds), consumer RSS over time and the CPU of its
PostgreSQL backends. The table goes to stdout, progress to stderr, everything (with the full series) to
--json-out. Compare two runs (e.g. 1M and 10M) with: node dist/tools/bench/endToEnd/compare.js A.json B.json`;


export function buildEndToEndProgram(now: Date): Command {
  return new Command('bench:e2e')
    .description('One whole upgrade at scale, each phase timed: seed, db migrate, backfill, db verify.')
    .option('--tracks <n>', 'legacy tracks to seed', intOption(1, 100_000_000), END_TO_END_DEFAULTS.tracks)
    .option('--consumers <k>', 'consumer processes of the fleet', intOption(1, 64), END_TO_END_DEFAULTS.consumers)
    .option('--range-size <r>', 'range size of the backfill job', intOption(1, 1_000_000), END_TO_END_DEFAULTS.rangeSize)
    .option('--defer-indexes', 'migrate as db migrate --defer-indexes and time db build-indexes as a phase of its own', false)
    .option('--database <name>', 'bench database, dropped and recreated on the DATABASE_URL server', plainName(), END_TO_END_DEFAULTS.databaseName)
    .option('--keep-database', 'keep the bench database after the run (to inspect it)', false)
    .option('--json-out <file>', 'where the JSON results go', `bench-results/e2e-${stamp(now)}.json`)
    .option('--sample-seconds <s>', 'how often the backfill\'s progress is read for the rate series', intOption(1, 600), END_TO_END_DEFAULTS.sampleSeconds)
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/** Parse argv (node, script, ...args); `now` names the default output file and the fleet's namespace. */
export function parseEndToEndOptions(argv: string[], now = new Date()): EndToEndOptions {
  const o = buildEndToEndProgram(now).parse(argv).opts<{
    tracks: number; consumers: number; rangeSize: number; deferIndexes: boolean; database: string; keepDatabase: boolean;
    jsonOut: string; sampleSeconds: number;
  }>();
  return Object.freeze({
    tracks: o.tracks, consumers: o.consumers, rangeSize: o.rangeSize, deferIndexes: o.deferIndexes,
    databaseName: o.database, keepDatabase: o.keepDatabase, jsonOut: o.jsonOut, sampleSeconds: o.sampleSeconds,
    // TRACKTION_NAMESPACE allows 40 characters: "e2e-" + 13 digits of the timestamp.
    namespace: `e2e-${now.getTime()}`,
  });
}

