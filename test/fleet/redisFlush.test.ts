import { expect } from 'chai';
import { Redis } from 'ioredis';
import { runCli } from '../helpers/cli.js';
import { OwnRedis } from '../helpers/ownRedis.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates, slowRanges } from './faults.js';

describe('backfill fleet: Redis flushed mid-run', function () {
  this.timeout(180_000);
  const redis = new OwnRedis();
  const fleet = new FleetHarness();

  before(async () => {
    await redis.start();
    fleet.redisUrl = redis.url;
  });
  after(async () => {
    await fleet.tearDown();
    await redis.stop();
  });

  it('data writes go on and the counters come back equal to the ledger', async () => {
    await fleet.setUp(8000);
    // Slow every range down a little so the flush lands mid-run.
    await slowRanges(fleet.pool, 0.3);
    fleet.start(['producer']);
    fleet.start(['consumer', '--prefetch', '1']);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    await fleet.waitFor(async () => ((await rangeStates(fleet.pool, jobId)).done ?? 0) >= 3, 'three ranges done');
    await redis.flushAll();
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, jobId);

    const status = await runCli(['backfill', 'status', String(jobId), '--json'], { env: fleet.env() });
    expect(status.code, status.stderr).to.equal(0);
    const s = JSON.parse(status.stdout) as { tracks: { converted: number; failed: number; skipped: number }; ranges: { done: number; total: number } };
    const client = new Redis(redis.url);
    try {
      const counters = await client.hgetall(`${fleet.namespace}:bf:job:${jobId}:counters`);
      expect(Number(counters.rangesDone)).to.equal(s.ranges.total);
      expect(Number(counters.converted)).to.equal(s.tracks.converted);
      expect(Number(counters.failed)).to.equal(s.tracks.failed);
      expect(Number(counters.skipped)).to.equal(s.tracks.skipped);
    } finally {
      client.disconnect();
    }
    const { rows } = await fleet.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM analysis_history`);
    expect(s.tracks.converted).to.equal(rows[0]?.n);
  });
});
