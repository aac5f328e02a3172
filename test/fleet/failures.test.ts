import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { rangeStates } from './faults.js';

describe('backfill fleet: failing ranges and refused rows', function () {
  this.timeout(180_000);

  describe('a range that keeps failing', () => {
    const fleet = new FleetHarness();
    fleet.extraEnv = { BACKFILL_MAX_ATTEMPTS: '3', BACKFILL_RETRY_BASE_MS: '100' };
    after(() => fleet.tearDown());

    it('is retried through the retry queues, then marked failed and dead-lettered; the job ends failed', async () => {
      await fleet.setUp(3000);
      // Every write of the range holding track 1500 fails as a deadlock would (a transient error).
      await fleet.pool.query(`
        CREATE FUNCTION test_fail_range() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.track_id = 1500 THEN RAISE EXCEPTION 'injected deadlock' USING ERRCODE = '40P01'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_fail_range BEFORE INSERT ON analysis_history FOR EACH ROW EXECUTE FUNCTION test_fail_range();`);
      fleet.start(['producer']);
      fleet.start(['consumer']);
      const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
      const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
      const waited = await runCli(['backfill', 'wait', String(jobId), '--timeout', '120', '--json'], { env: fleet.env() });
      expect(waited.code, waited.stderr).to.equal(1);
      expect(await fleet.jobState(jobId)).to.equal('failed');
      expect(await rangeStates(fleet.pool, jobId)).to.deep.equal({ done: 5, failed: 1 });
      const { rows } = await fleet.pool.query(
        `SELECT attempts::int, last_error FROM backfill_ranges WHERE job_id = $1 AND state = 'failed'`, [jobId]);
      expect(rows[0].attempts).to.equal(3);
      expect(rows[0].last_error).to.match(/injected deadlock/);
      const status = JSON.parse(waited.stdout) as { queue: { deadLetter: number }; ranges: { failed: number } };
      expect(status.queue.deadLetter).to.equal(1);
      expect(status.ranges.failed).to.equal(1);
      const history = await fleet.pool.query(`SELECT count(*)::int AS n FROM analysis_history WHERE track_id BETWEEN $1 AND $2`,
        [1400, 1600]);
      expect(history.rows[0].n, 'nothing of the failed range was written').to.equal(0);
    });
  });

  describe('a row PostgreSQL refuses', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('becomes an unstorable row error and every other row of its range is written', async () => {
      await fleet.setUp(3000);
      await fleet.pool.query(`ALTER TABLE tracks ADD CONSTRAINT test_refuse_one CHECK (id <> 1500 OR analysis_version IS NULL)`);
      fleet.start(['producer']);
      fleet.start(['consumer']);
      const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
      const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
      expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
      const errors = await fleet.pool.query(`SELECT track_id::int, code FROM backfill_errors WHERE job_id = $1 AND code = 'unstorable' AND track_id = 1500`, [jobId]);
      expect(errors.rows).to.deep.equal([{ track_id: 1500, code: 'unstorable' }]);
      const neighbours = await fleet.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM tracks WHERE id IN (1499, 1501) AND analysis_version IS NOT NULL`);
      expect(neighbours.rows[0]?.n).to.equal(2);
      const refused = await fleet.pool.query(`SELECT count(*)::int AS n FROM analysis_history WHERE track_id = 1500`);
      expect(refused.rows[0].n).to.equal(0);
    });
  });
});
