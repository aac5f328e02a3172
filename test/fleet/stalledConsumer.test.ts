import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { sleepAfterWrites, sleepingConsumerBackend } from './faults.js';
import { consumerTransactions, sleepAfterMarkDone } from './deliveryFaults.js';

/**
 * A consumer frozen inside a range transaction (GC pause, a stopped container) past its heartbeat TTL: the
 * job is cancelled and rolled back meanwhile. When the consumer wakes up, its range must not commit into the
 * stopped job — no history row, no track value of the job may be left once the rollback is complete.
 */
describe('backfill fleet: a consumer frozen across cancel and rollback', function () {
  this.timeout(180_000);

  async function frozenAcrossCancelAndRollback(fleet: FleetHarness, inject: () => Promise<void>): Promise<void> {
    await fleet.setUp(3000);
    await inject();
    fleet.start(['producer']);
    const consumer = fleet.start(['consumer']);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    await fleet.waitFor(async () => (await sleepingConsumerBackend(fleet.pool)) !== undefined, 'a consumer inside its range');
    consumer.kill('SIGSTOP');
    try {
      const cancelled = await runCli(['backfill', 'cancel', String(jobId)], { env: fleet.env() });
      expect(cancelled.code, cancelled.stderr).to.equal(0);
      // The frozen consumer's heartbeat expires (HEARTBEAT_TTL_SECONDS=3): the keeper closes the cancel.
      await fleet.waitFor(async () => (await fleet.jobState(jobId)) === 'cancelled', 'the job cancelled', 60_000);
      const rolled = await runCli(['backfill', 'rollback', String(jobId), '--yes'], { env: fleet.env() });
      expect(rolled.code, rolled.stderr).to.equal(0);
      expect(await fleet.jobState(jobId)).to.equal('rolled_back');
    } finally {
      consumer.kill('SIGCONT');
    }
    // The woken consumer finishes (or loses) its range transaction.
    await fleet.waitFor(async () => (await consumerTransactions(fleet.pool)) === 0, 'the frozen range transaction to end', 60_000);
    const { rows } = await fleet.pool.query<{ history: number; valued: number }>(
      `SELECT (SELECT count(*) FROM analysis_history WHERE created_by = $1)::int AS history,
              (SELECT count(*) FROM tracks WHERE analysis_version IS NOT NULL)::int AS valued`, [`backfill:${jobId}`]);
    expect(rows[0], consumer.output().slice(-3000)).to.deep.equal({ history: 0, valued: 0 });
    const done = await fleet.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state = 'done'`, [jobId]);
    expect(done.rows[0]?.n, 'no range of the rolled-back job is done').to.equal(0);
    expect(await fleet.jobState(jobId)).to.equal('rolled_back');
  }

  describe('frozen while writing its range', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('commits nothing into the cancelled and rolled-back job when it wakes up', async () => {
      await frozenAcrossCancelAndRollback(fleet, () => sleepAfterWrites(fleet.pool, 2, 1));
    });
  });

  describe('frozen after marking its range done, before COMMIT', () => {
    const fleet = new FleetHarness();
    // The range transaction's idle limit follows the statement timeout: a frozen consumer is cut off after it.
    fleet.extraEnv = { RANGE_STATEMENT_TIMEOUT_MS: '5000' };
    after(() => fleet.tearDown());

    it('cannot hold up the cancel for ever, and commits nothing when it wakes up', async () => {
      await frozenAcrossCancelAndRollback(fleet, () => sleepAfterMarkDone(fleet.pool, 2));
    });
  });
});
