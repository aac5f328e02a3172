import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { ExitCode } from '../../src/shared/exitCodes.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates } from './faults.js';
import { countHistoryStatements } from './deliveryFaults.js';

/**
 * A consumer's memory is bounded per chunk, not per range: a range far larger than CONSUMER_CHUNK_ROWS is
 * read, converted and written chunk by chunk inside its one transaction, and ends exactly like a run of
 * small ranges. Range sizes above BACKFILL_RANGE_SIZE_LIMIT are refused at enqueue.
 */
describe('backfill fleet: a range far larger than a chunk', function () {
  this.timeout(180_000);

  describe('one range of 3,000 tracks with chunks of 200', () => {
    const fleet = new FleetHarness();
    fleet.extraEnv = { CONSUMER_CHUNK_ROWS: '200' };
    after(() => fleet.tearDown());

    it('is written chunk by chunk in one transaction, every track exactly once', async () => {
      await fleet.setUp(3000);
      const statements = await countHistoryStatements(fleet.pool);
      fleet.start(['producer']);
      fleet.start(['consumer']);
      const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '5000', '--json'], { env: fleet.env() });
      expect(enqueued.code, enqueued.stderr).to.equal(0);
      const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
      expect(await fleet.waitForJobEnd(jobId, 60_000)).to.equal('completed');
      expect(await rangeStates(fleet.pool, jobId)).to.deep.equal({ done: 1 });
      const { converted } = await expectDatabaseMatchesConversion(fleet.pool, jobId);
      // Every chunk of 200 tracks with a converted row wrote its own statement (none wrote them all at once).
      expect(await statements(), `${converted} converted tracks`).to.be.at.least(Math.ceil(converted / 200));
      const { rows } = await fleet.pool.query<{ converted: number }>(
        `SELECT converted::int FROM backfill_ranges WHERE job_id = $1`, [jobId]);
      expect(rows).to.deep.equal([{ converted }]);
    });
  });

  // pg hands a bigint to JavaScript as a string: the next chunk's first id must still be a number, not "200" + 1.
  describe('the same on a library whose tracks.id is bigint', () => {
    const fleet = new FleetHarness();
    fleet.extraEnv = { CONSUMER_CHUNK_ROWS: '200' };
    after(() => fleet.tearDown());

    it('converts every track of the range, chunk after chunk', async () => {
      await fleet.setUp(3000);
      await fleet.pool.query('ALTER TABLE tracks ALTER COLUMN id TYPE bigint');
      fleet.start(['producer']);
      fleet.start(['consumer']);
      const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '5000', '--json'], { env: fleet.env() });
      expect(enqueued.code, enqueued.stderr).to.equal(0);
      const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
      expect(await fleet.waitForJobEnd(jobId, 60_000)).to.equal('completed');
      const { converted } = await expectDatabaseMatchesConversion(fleet.pool, jobId);
      expect(converted).to.be.greaterThan(2500);
    });
  });

  describe('a range size above the limit', () => {
    const fleet = new FleetHarness();
    fleet.extraEnv = { BACKFILL_RANGE_SIZE_LIMIT: '10000' };
    after(() => fleet.tearDown());

    it('is refused at enqueue with a usage error naming the setting', async () => {
      await fleet.setUp(10);
      const refused = await runCli(['backfill', 'enqueue', '--range-size', '10001', '--json'], { env: fleet.env() });
      expect(refused.code, refused.stderr).to.equal(ExitCode.usage);
      expect(refused.stderr).to.match(/BACKFILL_RANGE_SIZE_LIMIT/);
      const { rows } = await fleet.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM backfill_jobs');
      expect(rows[0]?.n, 'no job recorded').to.equal(0);
      const misconfigured = await runCli(['backfill', 'enqueue', '--json'], { env: fleet.env({ BACKFILL_RANGE_SIZE: '20000' }) });
      expect(misconfigured.code, misconfigured.stderr).to.equal(ExitCode.badConfiguration);
      expect(misconfigured.stderr).to.match(/BACKFILL_RANGE_SIZE: must not exceed BACKFILL_RANGE_SIZE_LIMIT \(10000\)/);
    });
  });
});
