import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates, sleepAfterWrites, sleepInCommit, sleepingConsumerBackend } from './faults.js';

/** Consumers killed or stopped at the worst moments leave a database equal to an uninterrupted run. */
describe('backfill fleet: consumer crashes and shutdown', function () {
  this.timeout(180_000);

  async function startJob(fleet: FleetHarness): Promise<number> {
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    return (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
  }

  describe('SIGKILL after the writes, before COMMIT', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('rolls the range back and a new consumer redoes it exactly once', async () => {
      await fleet.setUp(6000);
      await sleepAfterWrites(fleet.pool, 3, 1);
      fleet.start(['producer']);
      const victim = fleet.start(['consumer', '--prefetch', '1']);
      const jobId = await startJob(fleet);
      await fleet.waitFor(async () => (await sleepingConsumerBackend(fleet.pool)) !== undefined, 'a consumer inside its range transaction');
      victim.kill('SIGKILL');
      expect(await victim.exited).to.equal(null);
      fleet.start(['consumer', '--prefetch', '1']);
      expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
      expect(await rangeStates(fleet.pool, jobId)).to.deep.equal({ done: 12 });
    });
  });

  describe('SIGKILL after COMMIT, before the ack', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('the redelivered range is found done and only acked', async () => {
      await fleet.setUp(6000);
      await sleepInCommit(fleet.pool, 2);
      fleet.start(['producer']);
      const victim = fleet.start(['consumer', '--prefetch', '1']);
      const jobId = await startJob(fleet);
      await fleet.waitFor(async () => (await sleepingConsumerBackend(fleet.pool)) !== undefined, 'a consumer inside COMMIT');
      // Frozen, the consumer cannot ack; PostgreSQL finishes the COMMIT without it.
      victim.kill('SIGSTOP');
      await fleet.waitFor(async () => ((await rangeStates(fleet.pool, jobId)).done ?? 0) >= 1, 'the range committed');
      victim.kill('SIGKILL');
      await victim.exited;
      fleet.start(['consumer', '--prefetch', '1']);
      expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
      const { rows } = await fleet.pool.query(`SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND attempts <> 1`, [jobId]);
      expect(rows[0].n, 'no range needed a second attempt').to.equal(0);
    });
  });

  describe('SIGTERM during a range', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('finishes the range in hand, exits 0, and nothing is lost', async () => {
      await fleet.setUp(6000);
      await sleepAfterWrites(fleet.pool, 2, 1);
      fleet.start(['producer']);
      const consumer = fleet.start(['consumer', '--prefetch', '1']);
      const jobId = await startJob(fleet);
      await fleet.waitFor(async () => (await sleepingConsumerBackend(fleet.pool)) !== undefined, 'a consumer inside its range transaction');
      consumer.kill('SIGTERM');
      expect(await consumer.exited, consumer.output()).to.equal(0);
      expect((await rangeStates(fleet.pool, jobId)).done, 'the range in hand was committed').to.be.at.least(1);
      fleet.start(['consumer', '--prefetch', '1']);
      expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
    });
  });
});
