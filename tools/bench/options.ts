import { Command, InvalidArgumentError } from 'commander';
import { intOption } from '../../src/cli/options.js';

/** What one `npm run bench` run measures, every default in one place. */
export interface BenchOptions {
  /** Legacy tracks seeded (the whole table). */
  tracks: number;
  /** Consumer processes of the fleet. */
  consumers: number;
  /** The fleet job's range size (rows with legacy data per range message). */
  rangeSize: number;
  /** Consumer prefetch (CONSUMER_PREFETCH of the children); undefined keeps the configured value. */
  prefetch: number | undefined;
  /** Tracks the row-by-row method walks: it is slow, so it runs every k-th batch of the whole walk. */
  rowByRowSample: number;
  /** Ids per statement of the in-database methods (ids have gaps: about 10 % fewer tracks). */
  sqlChunkIds: number;
  /** Rounds of every method (A B C, A B C …); each method's median is reported. */
  repeat: number;
  /** Also run the cheap extra rows of the benchmark table: in-database 1 session, bare Node, write floor. */
  extras: boolean;
  jsonOut: string;
  databaseName: string;
  namespace: string;
  /** Keep the bench database after the run (to inspect it); dropped by default. */
  keepDatabase: boolean;
  /** Write V8 CPU profiles of the fleet's processes into this directory (--cpu-prof). */
  cpuProfDir: string | undefined;
  /** Migrate with `db migrate --defer-indexes`; the deferred indexes' build is timed after each fleet run. */
  deferIndexes: boolean;
}

export const BENCH_DEFAULTS = Object.freeze({
  tracks: 200_000,
  consumers: 2,
  rangeSize: 2000,
  rowByRowSampleMax: 50_000,
  sqlChunkIds: 20_000,
  databaseName: 'tracktion_bench',
});

const HELP_AFTER = `
Measures, in one run and on the same seeded data:
  in-database   the whole conversion as set-based SQL inside PostgreSQL, 2 sessions over id chunks (the reference)
  fleet         producer + K consumers as child processes, one backfill job, enqueue to completed
  row-by-row    one UPDATE + one INSERT per track, LIMIT/OFFSET batches of 1,000, on a sample: every k-th
                batch of the whole walk. A sample flatters it (about 2x at 1M tracks); for the ratio
                at N tracks give --row-by-row-sample N (the whole walk: about 15 min at 1M)
  extras        in-database with 1 session, a bare Node process per core, the write path's floor
The table goes to stdout, progress to stderr, everything also to --json-out.`;

/**
 * The --database option's parser of every bench: a plain lowercase name of at most `maxLength` characters
 * (PostgreSQL's 63 unless the bench appends to it), so it needs no quoting anywhere.
 */
export function plainName(maxLength = 63): (value: string) => string {
  const pattern = new RegExp(`^[a-z_][a-z0-9_]{0,${maxLength - 1}}$`);
  return (value) => {
    if (!pattern.test(value)) throw new InvalidArgumentError(`must be a plain lowercase database name of at most ${maxLength} characters`);
    return value;
  };
}

/** The bench's command line; `now` names the default output file and namespace. */
export function buildBenchProgram(now: Date): Command {
  return new Command('bench')
    .description('Backfill benchmark: the fleet against the in-database reference and the row-by-row method.')
    .option('--tracks <n>', 'legacy tracks to seed', intOption(1, 100_000_000), BENCH_DEFAULTS.tracks)
    .option('--consumers <k>', 'consumer processes of the fleet', intOption(1, 64), BENCH_DEFAULTS.consumers)
    .option('--range-size <r>', 'range size of the fleet job', intOption(1, 1_000_000), BENCH_DEFAULTS.rangeSize)
    .option('--prefetch <p>', 'consumer prefetch (default: CONSUMER_PREFETCH)', intOption(1, 1000))
    .option('--row-by-row-sample <s>', `tracks the row-by-row method walks, spread over the table (default: min(tracks, ${BENCH_DEFAULTS.rowByRowSampleMax}))`,
      intOption(1, 100_000_000))
    .option('--sql-chunk-ids <c>', 'ids per statement of the in-database methods', intOption(1, 100_000_000), BENCH_DEFAULTS.sqlChunkIds)
    .option('--repeat <r>', 'rounds of every method; the median of each is reported', intOption(1, 20), 1)
    .option('--no-extras', 'skip in-database (1 session), bare Node and write floor')
    .option('--json-out <file>', 'where the JSON results go', `bench-results/backfill-${stamp(now)}.json`)
    .option('--database <name>', 'bench database, dropped and recreated on the DATABASE_URL server', plainName(), BENCH_DEFAULTS.databaseName)
    .option('--keep-database', 'keep the bench database after the run', false)
    .option('--cpu-prof <dir>', 'write CPU profiles of the producer and consumers into this directory')
    .option('--defer-indexes', 'migrate as db migrate --defer-indexes: every method runs without the six analysis query indexes; after each fleet run their build (db build-indexes) is timed, then they are dropped again', false)
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/** Parse argv (node, script, ...args) into options; commander exits with usage on a bad flag. */
export function parseBenchOptions(argv: string[], now = new Date()): BenchOptions {
  const program = buildBenchProgram(now).parse(argv);
  const o = program.opts<{
    tracks: number; consumers: number; rangeSize: number; prefetch?: number; rowByRowSample?: number;
    sqlChunkIds: number; repeat: number; extras: boolean; jsonOut: string; database: string; keepDatabase: boolean; cpuProf?: string; deferIndexes: boolean;
  }>();
  return Object.freeze({
    tracks: o.tracks,
    consumers: o.consumers,
    rangeSize: o.rangeSize,
    prefetch: o.prefetch,
    rowByRowSample: Math.min(o.tracks, o.rowByRowSample ?? BENCH_DEFAULTS.rowByRowSampleMax),
    sqlChunkIds: o.sqlChunkIds,
    repeat: o.repeat,
    extras: o.extras,
    jsonOut: o.jsonOut,
    databaseName: o.database,
    // TRACKTION_NAMESPACE allows 40 characters: "bench-" + 13 digits of the timestamp.
    namespace: `bench-${now.getTime()}`,
    keepDatabase: o.keepDatabase,
    cpuProfDir: o.cpuProf,
    deferIndexes: o.deferIndexes,
  });
}

/** 2024-05-01T10-20-30Z: a timestamp that is a valid file name everywhere. */
export function stamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}
