import { Command, Option } from 'commander';
import type pg from 'pg';
import { getConfig } from '../../src/shared/config.js';
import { Coordinator } from '../../src/shared/coordinator/coordinator.js';
import { syncCountersFromLedger } from '../../src/shared/coordinator/syncFromLedger.js';
import { checkConnection, createPool } from '../../src/shared/db/pool.js';
import { createJob, getJob, transitionJob, type JobRow } from '../../src/shared/ledger/jobs.js';
import { insertRanges } from '../../src/shared/ledger/ranges.js';
import { createLogger } from '../../src/shared/logger.js';
import { fleetNames } from '../../src/shared/names.js';
import { connectRedis } from '../../src/shared/redis.js';
import { fetchBuckets } from '../../src/producer/enumerateIds.js';
import { planRanges } from '../../src/producer/planRanges.js';
import { collectJobStatus, type StatusDeps } from '../../src/operations/status/jobStatus.js';
import { FleetSampler } from '../../src/operations/status/fleetSampler.js';
import { DashboardState } from '../../src/dashboard/state.js';
import { fleetIdentity } from '../../src/dashboard/identity.js';
import { dropBenchDatabase, recreateBenchDatabase } from './benchDatabase.js';
import { countStatements, type StatementCounter } from './statementCounter.js';

/**
 * `node dist/tools/bench/statusQueries.js --tracks 1000000`: how many PostgreSQL statements (and rows they
 * return, and rows of backfill_ranges they read) one `backfill status` call and one dashboard sample cost,
 * on a job that is still running (paused half way, so it stays open). The job is planned the producer's
 * way (keyset buckets cut into ranges) over N seeded tracks; half its ranges are done in the ledger and
 * reported to the coordinator the way consumers report them. The first call of each kind is shown on its
 * own (it may build what later calls reuse); the steady figure is the mean of the next calls. Statements
 * and rows returned are counted in the client; rows read from backfill_ranges come from the server's
 * statistics of the scratch database.
 */
const SEED_SQL = `
  INSERT INTO tracks (id, file_path, analysis_data, created_at)
  SELECT g::int, 'f', '{}', timestamp '2020-01-01' FROM generate_series($1::bigint, $2::bigint) AS g`;

interface Options { tracks: number; rangeSize: number; calls: number; database: string; keepDatabase: boolean }

const program = new Command('bench-status-queries')
  .addOption(new Option('--tracks <n>', 'legacy tracks of the job').argParser(Number).default(1_000_000))
  .addOption(new Option('--range-size <r>', 'rows per range (1,000,000 / 2000 = 500 ranges)').argParser(Number).default(2000))
  .addOption(new Option('--calls <k>', 'calls measured after the first').argParser(Number).default(10))
  .option('--database <name>', 'scratch database (dropped and recreated)', 'tracktion_bench_status')
  .option('--keep-database', 'keep the scratch database afterwards', false)
  .action(run);

async function run(opts: Options): Promise<void> {
  const config = getConfig();
  const url = await recreateBenchDatabase(config.DATABASE_URL, opts.database);
  const namespace = `benchstatus${process.pid}`;
  const names = fleetNames(namespace);
  const redis = await connectRedis(config.REDIS_URL, { connectionName: 'bench-status', persistent: false });
  // Reads only the statistics: the seeding pool is ended before measuring, so its reads are counted before.
  const pool = createPool(url, { applicationName: 'tracktion-migrate bench', max: 1 });
  try {
    await checkConnection(pool, url);
    const coordinator = new Coordinator(redis, names.redisPrefix);
    const seeding = createPool(url, { applicationName: 'tracktion-migrate bench', max: 2 });
    let job: JobRow;
    try {
      job = await seedRunningJob(seeding, coordinator, opts);
      const ranges = await rangeCount(seeding, job.id);
      console.log(`job ${job.id}: ${opts.tracks} tracks, ${ranges.total} ranges (${ranges.done} done), state ${job.state}`);
    } finally {
      await seeding.end();
    }

    const depsOn = (measured: pg.Pool): StatusDeps => ({ pool: measured, coordinator, names, queues: null,
      heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS });
    const measure = (label: string, callOn: (measured: pg.Pool) => () => Promise<void>) =>
      measurePhases(label, url, pool, job.id, opts.calls, callOn);
    // `backfill status <job>`: the job row, then its status (as src/cli/backfillCommand.ts does).
    await measure('backfill status', (measured) => async () => {
      const row = await getJob(measured, job.id);
      if (row) await collectJobStatus(depsOn(measured), row);
    });
    // The producer's housekeeping brings every open job's counters in line with the ledger every 5 s.
    await measure('producer housekeeping: counters sync', (measured) => () =>
      syncCountersFromLedger(measured, coordinator, job.id).then(() => undefined));
    await measure('fleet sample (producer gauges)', (measured) => {
      const sampler = new FleetSampler({ ...depsOn(measured), queues: null });
      return () => sampler.sample().then(() => undefined);
    });
    await measure('dashboard sample', (measured) => {
      const dashboard = new DashboardState({ sampler: new FleetSampler({ ...depsOn(measured), queues: null }), pool: measured,
        logger: createLogger('bench.dashboard'), actionsEnabled: false, identity: fleetIdentity(config.TRACKTION_NAMESPACE, url) });
      return () => dashboard.refresh();
    });
  } finally {
    await deleteKeys(redis, names.redisPrefix);
    redis.disconnect();
    await pool.end();
    if (!opts.keepDatabase) await dropBenchDatabase(config.DATABASE_URL, opts.database);
  }
}

/** Seed, plan the whole job, finish half its ranges in the ledger and in the coordinator, pause it. */
async function seedRunningJob(pool: pg.Pool, coordinator: Coordinator, opts: Options): Promise<JobRow> {
  for (let start = 1; start <= opts.tracks; start += 1_000_000) {
    await pool.query(SEED_SQL, [start, Math.min(opts.tracks, start + 999_999)]);
  }
  await pool.query('VACUUM ANALYZE tracks');
  const job = await createJob(pool, { analysisVersion: 'bench', rangeSize: opts.rangeSize, requestedBy: 'bench' });
  await transitionJob(pool, job.id, ['queued'], 'enumerating');
  let cursor = { nextStartId: job.minId ?? 1, nextRangeId: 1 };
  for (;;) {
    const buckets = await fetchBuckets(pool, cursor.nextStartId - 1, job.maxId ?? 0, opts.rangeSize, 50);
    const last = buckets.reduce((n, b) => n + b.rows, 0) < opts.rangeSize * 50;
    const planned = planRanges(buckets, cursor, last ? job.maxId ?? undefined : undefined);
    if (planned.ranges.length > 0) await insertRanges(pool, job.id, planned.ranges);
    cursor = planned.cursor;
    if (last) break;
  }
  await pool.query(`UPDATE backfill_jobs SET enumeration_complete = true WHERE id = $1`, [job.id]);
  await transitionJob(pool, job.id, ['enumerating'], 'running');
  const { rows } = await pool.query<{ rangeId: number; converted: number }>(
    `UPDATE backfill_ranges SET state = 'done', converted = planned_rows, failed = 0, skipped = 0, finished_at = now()
      WHERE job_id = $1 AND range_id % 2 = 0 RETURNING range_id::float8 AS "rangeId", converted::float8 AS converted`, [job.id]);
  for (const r of rows) await coordinator.recordRange(job.id, { rangeId: r.rangeId, outcome: 'done', converted: r.converted, failed: 0, skipped: 0 });
  await transitionJob(pool, job.id, ['running'], 'paused');
  return (await getJob(pool, job.id)) as JobRow;
}

async function rangeCount(pool: pg.Pool, jobId: number): Promise<{ total: number; done: number }> {
  const { rows } = await pool.query<{ total: number; done: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'done')::int AS done FROM backfill_ranges WHERE job_id = $1`, [jobId]);
  return rows[0] as { total: number; done: number };
}

/**
 * The first call, then `calls` more, each phase on a pool of its own that is ended afterwards: a backend
 * flushes its table statistics when it exits, so the rows the phase read from backfill_ranges (sequential
 * scans and index fetches, server side) can be read from pg_stat_user_tables after it.
 */
async function measurePhases(label: string, url: string, admin: pg.Pool, jobId: number, calls: number,
  callOn: (measured: pg.Pool) => () => Promise<void>): Promise<void> {
  console.log(`${label}:`);
  for (const [phase, times] of [['first call', 1], [`next ${calls} calls, per call`, calls]] as const) {
    const before = await rangeRowsRead(admin);
    const measured = createPool(url, { applicationName: 'tracktion-migrate bench', max: 2 });
    let counter: StatementCounter | undefined;
    try {
      const call = callOn(measured);
      for (let i = 0; i < times; i++) {
        const round = await countStatements(measured, call);
        counter = counter ? counter.plus(round) : round;
      }
    } finally {
      await measured.end();
    }
    const read = (await rangeRowsReadAfterExit(admin, before)) / times;
    const perCall = (counter as StatementCounter).scaled(1 / times);
    console.log(`  ${`${phase}:`.padEnd(26)} ${perCall.summary()}, ${read.toFixed(0)} rows of backfill_ranges read (job ${jobId})`);
    if (times > 1) for (const [text, n] of perCall.byStatement()) console.log(`    ${n.toFixed(1).padStart(5)} × ${text}`);
  }
}

async function rangeRowsRead(admin: pg.Pool): Promise<number> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query<{ n: number }>(
    `SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::float8 AS n FROM pg_stat_user_tables WHERE relname = 'backfill_ranges'`);
  return rows[0]?.n ?? 0;
}

/** The ended pool's backends flush their statistics as they exit, a moment after end() returns. */
async function rangeRowsReadAfterExit(admin: pg.Pool, before: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 300));
  return (await rangeRowsRead(admin)) - before;
}

async function deleteKeys(redis: Awaited<ReturnType<typeof connectRedis>>, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

await program.parseAsync(process.argv);
