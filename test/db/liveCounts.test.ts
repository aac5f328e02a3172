import { expect } from 'chai';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { Coordinator } from '../../src/shared/coordinator/coordinator.js';
import { liveJobCounts } from '../../src/shared/coordinator/liveCounts.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createJob, transitionJob, type JobRow } from '../../src/shared/ledger/jobs.js';
import { insertRanges, jobCounts, type JobCounts } from '../../src/shared/ledger/ranges.js';
import { fleetNames } from '../../src/shared/names.js';
import { collectJobStatus, type StatusDeps } from '../../src/operations/status/jobStatus.js';
import { FleetSampler } from '../../src/operations/status/fleetSampler.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { OwnRedis } from '../helpers/ownRedis.js';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { silentLogger } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * A running job's counts come from the coordinator's counters in Redis; they must say what the ledger
 * says, also after Redis lost them (a private Redis is flushed here) and while consumers keep reporting.
 */
describe('coordinator counters as the live read path (real PostgreSQL, own Redis)', function () {
  this.timeout(60_000);
  const ownRedis = new OwnRedis();
  let db: TestDatabase;
  let pool: pg.Pool;
  let redis: Redis;
  let coordinator: Coordinator;
  let deps: StatusDeps;
  /** Statements sent through `pool.query`, to see when the ledger's ranges are read in full. */
  const statements: string[] = [];

  before(async () => {
    await ownRedis.start();
    db = await createTestDatabase('tm_db_live_counts');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'test', max: 4 });
    await seedDemoTracks(pool, 500);
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (...args: unknown[]) => {
      statements.push(typeof args[0] === 'string' ? args[0] : '');
      return query(...args);
    };
    redis = new Redis(ownRedis.url);
    const names = fleetNames('tmlive');
    coordinator = new Coordinator(redis, names.redisPrefix);
    deps = { pool, coordinator, names, queues: null, heartbeatTtlSeconds: 5 };
  });
  after(async () => {
    redis?.disconnect();
    await pool?.end();
    await db?.drop();
    await ownRedis.stop();
  });

  const fullReads = () => statements.filter((s) => s.includes("ELSE 'open' END AS state")).length;

  async function runningJob(): Promise<JobRow> {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 10, requestedBy: 'test' });
    await transitionJob(pool, job.id, ['queued'], 'enumerating');
    await transitionJob(pool, job.id, ['enumerating'], 'running');
    return { ...job, state: 'running' };
  }

  /** Plan ranges `from`..`to` (one id each, a few planned rows each) after the job's last one. */
  async function plan(job: JobRow, from: number, to: number): Promise<void> {
    const ranges = [];
    for (let rangeId = from; rangeId <= to; rangeId++) {
      const startId = (job.minId as number) + rangeId - 1;
      ranges.push({ rangeId, startId, endId: startId, plannedRows: 10 + (rangeId % 7) });
    }
    expect(await insertRanges(pool, job.id, ranges)).to.equal('accepted');
  }

  /** What a consumer does: the range's outcome committed in the ledger first, then reported to Redis. */
  async function finish(job: JobRow, rangeId: number, outcome: 'done' | 'failed' = 'done'): Promise<void> {
    const converted = outcome === 'done' ? 5 + (rangeId % 5) : 0;
    const failed = outcome === 'done' ? rangeId % 3 : 0;
    const skipped = outcome === 'done' ? 1 : 0;
    await pool.query(`UPDATE backfill_ranges SET state = $3, converted = $4, failed = $5, skipped = $6, finished_at = now()
                       WHERE job_id = $1 AND range_id = $2`, [job.id, rangeId, outcome, converted, failed, skipped]);
    await coordinator.recordRange(job.id, { rangeId, outcome, converted, failed, skipped });
  }

  async function expectEqualToLedger(job: JobRow, counts: JobCounts | undefined): Promise<void> {
    expect(counts).to.deep.equal(await jobCounts(pool, job.id));
  }

  it('a running job: the counters equal the ledger, and ranges planned later are caught up without a full read', async () => {
    const job = await runningJob();
    await plan(job, 1, 30);
    for (const rangeId of [1, 2, 3, 7, 12]) await finish(job, rangeId);
    await finish(job, 4, 'failed');
    await expectEqualToLedger(job, await liveJobCounts(pool, coordinator, job.id));
    const reads = fullReads();
    await plan(job, 31, 45);
    await finish(job, 40);
    await finish(job, 31);
    await expectEqualToLedger(job, await liveJobCounts(pool, coordinator, job.id));
    expect(fullReads()).to.equal(reads);

    const status = await collectJobStatus(deps, job);
    const exact = await collectJobStatus(deps, job, { exact: true });
    expect(status.source).to.equal('coordinator');
    expect(exact.source).to.equal('ledger');
    expect({ ...status, source: 'ledger', consumers: null, runningSeconds: null, eta: null, etaSeconds: null })
      .to.deep.equal({ ...exact, consumers: null, runningSeconds: null, eta: null, etaSeconds: null });

    // The dashboard and the producer's gauges sample the same figures, from the coordinator too.
    const sampled = (await new FleetSampler({ ...deps, queues: null }).sample()).jobs.find((j) => j.jobId === job.id);
    expect(sampled?.source).to.equal('coordinator');
    expect([sampled?.ranges, sampled?.tracks, sampled?.progress]).to.deep.equal([exact.ranges, exact.tracks, exact.progress]);
  });

  it('--exact reads the ledger, not the counters', async () => {
    const job = await runningJob();
    await plan(job, 1, 10);
    await finish(job, 1);
    await liveJobCounts(pool, coordinator, job.id);
    // A counter that drifted (it cannot in normal operation): only the live read shows it.
    await redis.hincrby(coordinator.keys.counters(job.id), 'converted', 1000);
    const ledger = await jobCounts(pool, job.id);
    expect((await collectJobStatus(deps, job)).tracks.converted).to.equal(ledger.converted + 1000);
    expect((await collectJobStatus(deps, job, { exact: true })).tracks.converted).to.equal(ledger.converted);
  });

  it('backfill status --json says where its figures came from; --exact reads the ledger', async () => {
    const job = await runningJob();
    await plan(job, 1, 4);
    await finish(job, 2);
    const env = { ...process.env, TRACKTION_ENV_FILE: '', LOG_LEVEL: 'warn', DATABASE_URL: db.url, REDIS_URL: ownRedis.url,
      TRACKTION_NAMESPACE: 'tmlive', RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' };
    const live = await runCli(['backfill', 'status', String(job.id), '--json'], { env });
    expect(live.code, live.stderr).to.equal(0);
    const exact = await runCli(['backfill', 'status', String(job.id), '--json', '--exact'], { env });
    expect(exact.code, exact.stderr).to.equal(0);
    const [a, b] = [live, exact].map((r) => JSON.parse(r.stdout) as { source: string; ranges: unknown; tracks: unknown });
    expect([a?.source, b?.source]).to.deep.equal(['coordinator', 'ledger']);
    expect(a?.ranges).to.deep.equal(b?.ranges);
    expect(a?.tracks).to.deep.equal(b?.tracks);
  });

  it('backfill status answers before any fleet process declared the namespace\'s queues (queue: null)', async () => {
    const job = await runningJob();
    await plan(job, 1, 2);
    const env = { ...process.env, TRACKTION_ENV_FILE: '', LOG_LEVEL: 'warn', DATABASE_URL: db.url, REDIS_URL: ownRedis.url,
      TRACKTION_NAMESPACE: 'tmlive', RABBITMQ_URL: TEST_RABBITMQ_URL };
    const status = await runCli(['backfill', 'status', String(job.id), '--json'], { env });
    expect(status.code, status.stderr).to.equal(0);
    expect((JSON.parse(status.stdout) as { queue: unknown }).queue).to.equal(null);
    const text = await runCli(['backfill', 'status', String(job.id)], { env });
    expect(text.code, text.stderr).to.equal(0);
  });

  it('a finished job is read from the ledger', async () => {
    const job = await runningJob();
    await plan(job, 1, 3);
    for (const rangeId of [1, 2, 3]) await finish(job, rangeId);
    await transitionJob(pool, job.id, ['running'], 'completed');
    const status = await collectJobStatus(deps, { ...job, state: 'completed' });
    const ledger = await jobCounts(pool, job.id);
    expect(status.source).to.equal('ledger');
    expect(status.ranges).to.include({ total: ledger.rangesTotal, done: ledger.rangesDone });
    expect(status.tracks).to.deep.equal({ converted: ledger.converted, failed: ledger.failed, skipped: ledger.skipped });
  });

  it('after FLUSHALL the counters are rebuilt from the ledger once, exact, with reports made since the flush', async () => {
    const job = await runningJob();
    await plan(job, 1, 40);
    for (let rangeId = 1; rangeId <= 20; rangeId++) await finish(job, rangeId);
    await expectEqualToLedger(job, await liveJobCounts(pool, coordinator, job.id));
    await ownRedis.flushAll();
    // Consumers keep reporting into the empty Redis before anyone reads.
    await finish(job, 21);
    await finish(job, 22, 'failed');
    const before = fullReads();
    await expectEqualToLedger(job, await liveJobCounts(pool, coordinator, job.id));
    await finish(job, 23);
    await expectEqualToLedger(job, await liveJobCounts(pool, coordinator, job.id));
    await expectEqualToLedger(job, (await liveJobCounts(pool, coordinator, job.id)));
    expect(fullReads() - before).to.equal(1);
  });

  it('concurrent rebuilds, reports, planning and a reset leave the counters exact', async () => {
    const job = await runningJob();
    await plan(job, 1, 1200);
    for (let rangeId = 1; rangeId <= 300; rangeId++) await finish(job, rangeId);
    await liveJobCounts(pool, coordinator, job.id);
    for (let round = 0; round < 3; round++) {
      await ownRedis.flushAll();
      const base = 301 + round * 250;
      const reports = (async () => {
        for (let rangeId = base; rangeId < base + 250; rangeId++) await finish(job, rangeId, rangeId % 17 === 0 ? 'failed' : 'done');
      })();
      const readers = Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 5; i++) await liveJobCounts(pool, coordinator, job.id);
      });
      const planning = round === 1 ? plan(job, 1201, 1300) : Promise.resolve();
      // A reset in the middle (as retry-failed does): a rebuild that read the ledger before it must not write after it.
      const reset = round === 2 ? new Promise((r) => setTimeout(r, 20)).then(() => coordinator.resetCounters(job.id)) : Promise.resolve();
      await Promise.all([reports, ...readers, planning, reset]);
      await expectEqualToLedger(job, await liveJobCounts(pool, coordinator, job.id));
    }
  });
});
