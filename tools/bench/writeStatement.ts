import { Command, InvalidArgumentError } from 'commander';
import type pg from 'pg';
import { allMigrations } from '../../migrations/index.js';
import { intOption } from '../../src/cli/options.js';
import { formatTable, printLine, printMessage } from '../../src/cli/output.js';
import { blobMd5, convertedParams, WRITE_FRESH_SQL, type ConvertedRow } from '../../src/consumers/rangeWriter.js';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { ensureDatabaseExists, migrate } from '../../src/schema/migrator.js';
import { getConfig } from '../../src/shared/config.js';
import { createLegacyConverter } from '../../src/shared/conversion/convert.js';
import { createPool, urlForDatabase } from '../../src/shared/db/pool.js';
import { dropBenchDatabase, quietLogger } from './benchDatabase.js';
import { readProcessCpuSeconds } from './procStats.js';
import { runEntryPoint } from './entryPoint.js';
import { plainName } from './options.js';

/**
 * `npm run bench:write`: the fleet's range write alone — one session, one range of really converted tracks,
 * written again and again inside a transaction that is rolled back — and the PostgreSQL backend CPU it costs
 * per track, for the statement as the consumers run it and for alternative forms of it, interleaved round by
 * round. A lever on the write is measured here first, where the rest of the fleet adds no noise.
 */

interface Variant {
  /** What the alternative changes. */
  about: string;
  sql: string;
  /** Run in the transaction before the statement. */
  setup?: string;
}

const INPUT_ROWS = /SELECT \(e ->> 't'\)::int AS track_id[\s\S]*?FROM jsonb_array_elements\(\$1::jsonb\) AS e/;

/** The statement with its input CTE's row source replaced; fails loudly once the statement no longer has that shape. */
function withInput(rows: string): string {
  if (!INPUT_ROWS.test(WRITE_FRESH_SQL)) throw new Error('the write statement\'s input no longer has the shape this variant rewrites');
  return WRITE_FRESH_SQL.replace(INPUT_ROWS, rows);
}

const VARIANTS: Record<string, () => Variant> = {
  current: () => ({ about: 'the consumers\' statement (jsonb_array_elements over one jsonb array, custom plan)', sql: WRITE_FRESH_SQL }),
  'generic-plan': () => ({ about: 'plan_cache_mode = force_generic_plan: the ~1 MB parameter is not folded into the plan',
    sql: WRITE_FRESH_SQL, setup: 'SET LOCAL plan_cache_mode = force_generic_plan' }),
  'json-input': () => ({ about: 'the array as json (validated, not built); each field read from its element\'s text',
    sql: withInput(`SELECT (e ->> 't')::int AS track_id, (e ->> 'x')::xid AS read_xmin, e ->> 'h' AS read_md5,
           (e -> 'r' ->> 'confidence_score')::float8 AS confidence_score, (e -> 'r')::jsonb AS results
      FROM json_array_elements($1::json) AS e`) }),
  'recordset-input': () => ({ about: 'jsonb_to_recordset: the elements as typed columns',
    sql: withInput(`SELECT e.t AS track_id, e.x AS read_xmin, e.h AS read_md5, (e.r ->> 'confidence_score')::float8 AS confidence_score,
           e.r AS results FROM jsonb_to_recordset($1::jsonb) AS e(t int, x xid, h text, r jsonb)`) }),
};

interface Options { tracks: number; rangeSize: number; rounds: number; variants: string[]; deferIndexes: boolean; database: string }

function parseOptions(argv: string[]): Options {
  const program = new Command('bench:write')
    .description('The range write statement alone: PostgreSQL backend CPU per track, the current statement against alternatives.')
    .option('--tracks <n>', 'legacy tracks seeded (the range is taken from the middle)', intOption(1000, 10_000_000), 100_000)
    .option('--range-size <r>', 'tracks in the range written', intOption(10, 100_000), 2000)
    .option('--rounds <k>', 'rounds; every variant once per round, in rotating order', intOption(1, 1000), 20)
    .option('--variants <list>', `comma-separated, of: ${Object.keys(VARIANTS).join(', ')}`, variantList, Object.keys(VARIANTS))
    .option('--defer-indexes', 'migrate with --defer-indexes (the six query indexes absent)', false)
    .option('--database <name>', 'bench database (dropped and recreated, dropped at the end)', plainName(), 'tracktion_bench_write')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .parse(argv);
  return program.opts<Options>();
}

function variantList(value: string): string[] {
  const names = value.split(',').map((v) => v.trim()).filter(Boolean);
  const unknown = names.filter((v) => !(v in VARIANTS));
  if (unknown.length || !names.length) throw new InvalidArgumentError(`unknown variant(s): ${unknown.join(', ') || '(none given)'}`);
  return names;
}


async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const config = getConfig();
  const url = urlForDatabase(config.DATABASE_URL, options.database);
  await dropBenchDatabase(config.DATABASE_URL, options.database);
  await ensureDatabaseExists(url);
  const pool = createPool(url, { applicationName: 'tracktion-migrate bench', max: 1 });
  try {
    await migrate(url, { revisions: allMigrations, logger: quietLogger('bench.migrate'), deferIndexes: options.deferIndexes });
    printMessage(`bench:write: seeding ${options.tracks} legacy tracks`);
    await seedDemoTracks(pool, options.tracks);
    await pool.query('VACUUM (ANALYZE) tracks');
    const params = await rangeParams(pool, options, config.ANALYSIS_VERSION);
    const variants = options.variants.map((name) => ({ name, ...(VARIANTS[name] as () => Variant)() }));
    const perTrack = await measure(pool, variants, params, options.rounds);
    printLine(`Range write, one session: ${params.tracks} tracks a range, ${options.rounds} rounds, ${options.deferIndexes ? 'indexes deferred' : 'all indexes'}; input ${Math.round(params.bytes / 1024)} KB`);
    printLine(formatTable(['variant', 'backend CPU µs a track (median)', 'every round', 'what it changes'],
      variants.map((v) => [v.name, median(perTrack.get(v.name) ?? []).toFixed(1), (perTrack.get(v.name) ?? []).map((x) => x.toFixed(0)).join(' '), v.about])));
    return 0;
  } finally {
    await pool.end();
    await dropBenchDatabase(config.DATABASE_URL, options.database);
  }
}

/** One range from the middle of the table, converted exactly as a consumer converts it. */
async function rangeParams(pool: pg.Pool, options: Options, analysisVersion: string): Promise<{ values: unknown[]; tracks: number; bytes: number }> {
  const { rows } = await pool.query<{ id: number; analysis_data: string; read_xmin: string }>(
    `SELECT id::float8 AS id, analysis_data, xmin::text AS read_xmin FROM tracks WHERE analysis_data IS NOT NULL
      ORDER BY id OFFSET $1 LIMIT $2`, [Math.floor(options.tracks / 2), options.rangeSize * 2]);
  const convert = createLegacyConverter({ analysisVersion, now: new Date() });
  const converted: ConvertedRow[] = [];
  for (const row of rows) {
    const outcome = convert(row.analysis_data);
    if (outcome.outcome === 'converted' && converted.length < options.rangeSize) {
      converted.push({ trackId: row.id, record: outcome.record, hadValues: false, read: { xmin: row.read_xmin, md5: blobMd5(row.analysis_data) } });
    }
  }
  const values = convertedParams(converted, { jobId: 1, rangeId: 1, analysisVersion, createdBy: 'bench:write', processingTimeMs: 0 });
  return { values: values.slice(0, 5), tracks: converted.length, bytes: String(values[0]).length };
}

async function measure(pool: pg.Pool, variants: (Variant & { name: string })[], params: { values: unknown[]; tracks: number },
  rounds: number): Promise<Map<string, number[]>> {
  const client = await pool.connect();
  const perTrack = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = (rows[0] as { pid: number }).pid;
    const cpu = () => readProcessCpuSeconds(pid) ?? NaN;
    for (let round = 0; round < rounds; round++) {
      // Rotating order: the dead row versions each rolled-back write leaves fall on every variant alike.
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(round + k) % variants.length] as Variant & { name: string };
        await client.query('BEGIN');
        if (variant.setup) await client.query(variant.setup);
        const before = cpu();
        const result = await client.query<{ updated: number }>(variant.sql, params.values);
        const used = cpu() - before;
        await client.query('ROLLBACK');
        if (result.rows[0]?.updated !== params.tracks) throw new Error(`${variant.name} updated ${result.rows[0]?.updated} of ${params.tracks} tracks`);
        perTrack.get(variant.name)?.push((used / params.tracks) * 1e6);
      }
    }
    if (perTrack.values().next().value?.some((v: number) => Number.isNaN(v))) throw new Error('the backend\'s CPU cannot be read in /proc: run the bench on the database\'s machine');
    return perTrack;
  } finally {
    client.release();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

runEntryPoint(main);
