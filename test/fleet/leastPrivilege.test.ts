import { expect } from 'chai';
import pg from 'pg';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';

/** The fleet runs as `tracktion_backfill`, which can do its job and nothing more. */
describe('least privilege: the fleet as tracktion_backfill', function () {
  this.timeout(120_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('backfills as the restricted role, which cannot touch anything else', async () => {
    await fleet.setUp(3000);
    await fleet.pool.query('ALTER ROLE tracktion_backfill LOGIN');
    const url = new URL(fleet.db.url);
    url.username = 'tracktion_backfill';
    const asRole = { DATABASE_URL: url.toString() };
    fleet.start(['producer'], asRole);
    fleet.start(['consumer'], asRole);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, jobId);

    const restricted = new pg.Client({ connectionString: url.toString() });
    await restricted.connect();
    try {
      for (const sql of ['DELETE FROM tracks', "UPDATE tracks SET file_path = 'x'", 'DELETE FROM analysis_history', 'DROP TABLE backfill_errors', 'TRUNCATE backfill_ranges']) {
        const error = await restricted.query(sql).then(() => undefined, (err: { code?: string }) => err);
        expect(error?.code, sql).to.be.oneOf(['42501', '42809']);
      }
    } finally {
      await restricted.end();
    }
  });
});
