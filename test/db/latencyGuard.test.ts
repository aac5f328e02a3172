import { expect } from 'chai';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { LatencyGuard } from '../../src/operations/latencyGuard.js';
import { throttleReasonLabel } from '../../src/operations/status/throttleLabel.js';
import { evaluateThrottle, throttleView, tightenThrottle } from '../../src/operations/throttle.js';
import type { ThrottleLimits } from '../../src/operations/throttlePolicy.js';
import { WAL_BYTES_PER_TRACK, walBetweenCheckpoints, walHeadroomForJob } from '../../src/operations/walHeadroom.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { Coordinator } from '../../src/shared/coordinator/coordinator.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createJob } from '../../src/shared/ledger/jobs.js';
import { allMigrations } from '../../migrations/index.js';
import { createTestDatabase, TEST_REDIS_URL, uniqueName, type TestDatabase } from '../helpers/isolation.js';
import { silentLogger } from './catalog.js';

const limits: ThrottleLimits = { maxReplicationLagSeconds: 10, maxDurationRatio: 3, minRate: 100 };

/**
 * Sessions that keep taking `tracks` for a moment, over and over: every read of a track waits for them
 * up to LOCK_MS — a database that makes reads slow, as a busy disk or a flood of WAL does, but on cue.
 * Each hold is far below the second after which the throttle counts lock waiters, so only the latency
 * guard can notice. Named `applicationName`, they are the application or (tracktion-…) the fleet itself.
 */
const LOCK_MS = 40;
class ReadStaller {
  private running = true;
  private readonly loop: Promise<void>;
  private readonly pool: pg.Pool;

  constructor(url: string, applicationName: string) {
    const pool = createPool(url, { applicationName, max: 1 });
    this.pool = pool;
    this.loop = (async () => {
      while (this.running) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('LOCK TABLE tracks IN ACCESS EXCLUSIVE MODE');
          await client.query('SELECT pg_sleep($1)', [LOCK_MS / 1000]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.pool.end();
  }
}

/** The latency guard against the real PostgreSQL: its probe, its baseline, and the throttle it feeds. */
describe('the latency guard (real PostgreSQL and Redis)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let redis: Redis;
  let coordinator: Coordinator;
  const prefix = `${uniqueName('tm_guard')}:`;

  before(async () => {
    db = await createTestDatabase('tm_db_latency_guard');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    // The producer's own name: its probe and queries are not the application's activity.
    pool = createPool(db.url, { applicationName: 'tracktion-producer', max: 3 });
    await seedDemoTracks(pool, 5000);
    redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    coordinator = new Coordinator(redis, prefix);
  });
  after(async () => {
    const keys = await redis?.keys(`${prefix}*`).catch(() => []);
    if (keys?.length) await redis.del(...keys);
    await redis?.quit();
    await pool?.end();
    await db?.drop();
  });

  /** A guard whose baseline is three quiet rounds on the untouched database. */
  async function guardWithBaseline(): Promise<LatencyGuard> {
    const guard = new LatencyGuard({ kind: 'ratio', ratio: 2 });
    for (let i = 0; i < 3; i++) await guard.measure(pool, true, silentLogger);
    return guard;
  }

  async function roundWhileStalled(guard: LatencyGuard, applicationName: string): Promise<{ jobId: number; view: Awaited<ReturnType<typeof throttleView>>; fields: Record<string, string> }> {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 500, requestedBy: 'test' });
    const staller = new ReadStaller(db.url, applicationName);
    try {
      // Let the staller's session show as active before the round samples pg_stat_activity.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await guard.measure(pool, false, silentLogger);
      await evaluateThrottle({ pool, coordinator, logger: silentLogger, guard }, job.id, null, limits);
    } finally {
      await staller.stop();
    }
    return { jobId: job.id, view: await throttleView(coordinator, job.id), fields: await coordinator.throttleFields(job.id) };
  }

  it('lowers the rate, naming the latency, when the application is active and its reads are slowed', async () => {
    const guard = await guardWithBaseline();
    const { view, fields } = await roundWhileStalled(guard, 'music-app');
    expect(view.rate, 'a limit, not unlimited').to.be.a('number').and.to.be.at.least(0).and.below(limits.minRate * 2);
    expect(view.reason).to.match(/^application read latency [\d.]+ ms, [\d.]+× its baseline [\d.]+ ms, above the target 2×$/);
    expect(throttleReasonLabel(view)).to.equal('app_latency');
    expect(Number(fields.appBaselineMs), 'the quiet baseline is kept with the job').to.be.greaterThan(0).and.below(LOCK_MS);
  });

  it('leaves the rate unlimited when only the fleet\'s own sessions slow the reads (the application is idle)', async () => {
    const guard = await guardWithBaseline();
    const { view } = await roundWhileStalled(guard, 'tracktion-consumer test');
    expect(view).to.deep.include({ rate: null, reason: null });
  });

  it('between rounds only lowers: a slowed application lowers the budget, a fast one leaves it as it was', async () => {
    const guard = await guardWithBaseline();
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 500, requestedBy: 'test' });
    await coordinator.setThrottleFields(job.id, { rate: 800, healthRate: 800, healthyRounds: 1, reason: 'recovering', since: new Date().toISOString() });
    await guard.measure(pool, false, silentLogger);
    await tightenThrottle({ pool, coordinator, logger: silentLogger, guard }, job.id, null, limits);
    expect(await coordinator.throttleFields(job.id), 'nothing over the target: untouched').to.include({ rate: '800', healthyRounds: '1', reason: 'recovering' });
    const staller = new ReadStaller(db.url, 'music-app');
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await guard.measure(pool, false, silentLogger);
      await tightenThrottle({ pool, coordinator, logger: silentLogger, guard }, job.id, null, limits);
    } finally {
      await staller.stop();
    }
    const lowered = await coordinator.throttleFields(job.id);
    expect(Number(lowered.rate)).to.be.at.least(400).and.at.most(640);
    expect(lowered.reason).to.match(/^application read latency/);
  });

  it('reads the WAL settings and the job\'s size from the server: 5,000 tracks fit between checkpoints', async () => {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 500, requestedBy: 'test' });
    const { rows } = await pool.query<{ bytes: number }>(`SELECT pg_size_bytes(current_setting('max_wal_size'))::float8 AS bytes`);
    const note = await walHeadroomForJob(pool, job.minId, job.maxId);
    // The shared server's settings are not ours to change: the note is checked against what they allow.
    const fits = 5000 * WAL_BYTES_PER_TRACK <= walBetweenCheckpoints({ maxWalSizeBytes: rows[0]!.bytes, checkpointCompletionTarget: 0.9 });
    expect(note === null).to.equal(fits);
  });

  it('does nothing when the target is off', async () => {
    const guard = new LatencyGuard(null);
    const { view } = await roundWhileStalled(guard, 'music-app');
    expect(view).to.deep.include({ rate: null, reason: null });
  });
});
