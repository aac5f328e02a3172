import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates, slowRanges } from './faults.js';

/** PostgreSQL kills the fleet's connections mid-run: ranges in hand roll back and are retried; pools recover. */
describe('backfill fleet: PostgreSQL connections terminated', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  fleet.extraEnv = { BACKFILL_MAX_ATTEMPTS: '5', BACKFILL_RETRY_BASE_MS: '100' };
  after(() => fleet.tearDown());

  it('keeps every process alive and ends equal to an uninterrupted run', async () => {
    await fleet.setUp(8000);
    await slowRanges(fleet.pool, 0.2);
    const processes = [fleet.start(['producer']), fleet.start(['consumer']), fleet.start(['consumer'])];
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '250', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    for (let round = 0; round < 3; round++) {
      const before = (await rangeStates(fleet.pool, jobId)).done ?? 0;
      await fleet.waitFor(async () => ((await rangeStates(fleet.pool, jobId)).done ?? 0) >= before + 3, 'progress')
        .catch((err: unknown) => { throw new Error(`${String(err)}\n${processes.map((p) => p.output().slice(-3000)).join('\n---\n')}`); });
      // Every backend of the fleet in this test's database: idle pooled ones and ones inside a range.
      const { rows } = await fleet.pool.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'tracktion-%' AND pid <> pg_backend_pid()`);
      expect(rows[0]?.n).to.be.greaterThan(0);
    }
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, jobId);
    for (const child of processes) expect(child.exitCode, child.output().slice(-2000)).to.equal(null);
  });
});
