import { Command, Option } from 'commander';
import { getConfig } from '../../src/shared/config.js';
import { checkConnection, createPool } from '../../src/shared/db/pool.js';
import { fetchBuckets } from '../../src/producer/enumerateIds.js';
import { planRanges } from '../../src/producer/planRanges.js';
import { dropBenchDatabase, recreateBenchDatabase } from './benchDatabase.js';

/**
 * `npm run bench:enumerate -- --ids 10000000`: how fast the producer's keyset walk cuts ranges, on its own.
 * Seeds N ids (gaps every tenth id, 2 % without legacy data; tiny blobs, because only ids are read), then
 * walks them exactly as the producer plans ranges (chunks of 50 ranges of --range-size rows), without
 * publishing, and prints the time and the process's peak RSS at checkpoints — the memory must stay flat.
 */
const SEED_SQL = `
  INSERT INTO tracks (id, file_path, analysis_data, created_at)
  SELECT (g + g / 10)::int, 'f', CASE WHEN g % 50 = 0 THEN NULL ELSE '{}' END, timestamp '2020-01-01'
    FROM generate_series($1::bigint, $2::bigint) AS g`;

const program = new Command('bench-enumerate')
  .addOption(new Option('--ids <n>', 'track ids to seed and walk').argParser(Number).default(10_000_000))
  .addOption(new Option('--range-size <r>', 'rows per range').argParser(Number).default(2000))
  .option('--database <name>', 'scratch database (dropped and recreated)', 'tracktion_bench_enum')
  .action(async (opts: { ids: number; rangeSize: number; database: string }) => {
    const config = getConfig();
    const url = await recreateBenchDatabase(config.DATABASE_URL, opts.database);
    const pool = createPool(url, { applicationName: 'tracktion-migrate bench', max: 1 });
    try {
      await checkConnection(pool, url);
      const seedStart = performance.now();
      for (let start = 1; start <= opts.ids; start += 1_000_000) {
        await pool.query(SEED_SQL, [start, Math.min(opts.ids, start + 999_999)]);
      }
      await pool.query('VACUUM ANALYZE tracks');
      console.log(`seeded ${opts.ids} ids in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
      const { rows } = await pool.query<{ min: number; max: number }>(
        'SELECT min(id)::float8 AS min, max(id)::float8 AS max FROM tracks WHERE analysis_data IS NOT NULL');
      const bounds = rows[0] as { min: number; max: number };
      const started = performance.now();
      let cursor = { nextStartId: bounds.min, nextRangeId: 1 };
      let rowsSeen = 0;
      let nextReport = 1_000_000;
      for (;;) {
        const buckets = await fetchBuckets(pool, cursor.nextStartId - 1, bounds.max, opts.rangeSize, 50);
        if (buckets.length === 0) break;
        cursor = planRanges(buckets, cursor).cursor;
        rowsSeen += buckets.reduce((n, b) => n + b.rows, 0);
        if (rowsSeen >= nextReport) {
          console.log(`  ${rowsSeen} rows, ${cursor.nextRangeId - 1} ranges, ${((performance.now() - started) / 1000).toFixed(2)} s, RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
          nextReport += 1_000_000;
        }
        if (buckets.reduce((n, b) => n + b.rows, 0) < opts.rangeSize * 50) break;
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(`enumerated ${rowsSeen} rows with legacy data (${opts.ids} ids) into ${cursor.nextRangeId - 1} ranges in ${seconds.toFixed(2)} s` +
        ` = ${Math.round(rowsSeen / seconds)} rows/s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    } finally {
      await pool.end();
      await dropBenchDatabase(config.DATABASE_URL, opts.database);
    }
  });

await program.parseAsync(process.argv);
