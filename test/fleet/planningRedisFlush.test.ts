import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { OwnRedis } from '../helpers/ownRedis.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates, slowRanges } from './faults.js';
import { deadLetteredCount, expectRangesCoverJob } from './planCoverage.js';

/**
 * Redis loses the request while the producer is still planning (paced by a small window, the range size
 * shrinking chunk by chunk): the keeper re-adds it, and a second planner must not plan the job from its own
 * cursor next to the first.
 */
describe('planning: Redis flushed during paced planning', function () {
  this.timeout(180_000);
  const redis = new OwnRedis();
  const fleet = new FleetHarness();
  fleet.extraEnv = { BACKFILL_PLANNING_WINDOW: '10', BACKFILL_TARGET_RANGE_MS: '100', BACKFILL_MIN_RANGE_SIZE: '10' };

  before(async () => {
    await redis.start();
    fleet.redisUrl = redis.url;
  });
  after(async () => {
    await fleet.tearDown();
    await redis.stop();
  });

  it('the job completes with every track converted and one contiguous plan', async () => {
    await fleet.setUp(4000);
    await slowRanges(fleet.pool, 0.15);
    const processes = [fleet.start(['producer']), fleet.start(['consumer', '--prefetch', '1']), fleet.start(['consumer', '--prefetch', '1'])];
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '40', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    await fleet.waitFor(async () => ((await rangeStates(fleet.pool, jobId)).done ?? 0) >= 20, 'twenty ranges done');
    const { rows } = await fleet.pool.query<{ complete: boolean }>(`SELECT enumeration_complete AS complete FROM backfill_jobs WHERE id = $1`, [jobId]);
    expect(rows[0]?.complete, 'the flush lands while planning goes on').to.equal(false);
    await redis.flushAll();

    const end = await fleet.waitForJobEnd(jobId, 120_000)
      .catch((err: unknown) => { throw new Error(`${String(err)}\n${processes.map((p) => p.output().slice(-3000)).join('\n---\n')}`); });
    expect(end).to.equal('completed');
    expect(processes[0]?.output(), 'the keeper re-added the lost request while the job was being planned').to.contain('added one');
    await expectRangesCoverJob(fleet.pool, jobId);
    expect(await deadLetteredCount(fleet.names), 'ranges published that the ledger did not accept').to.equal(0);
    await expectDatabaseMatchesConversion(fleet.pool, jobId);
  });
});
