import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { ANALYSIS_COLUMNS } from '../../migrations/1732500001000-AnalysisFields.js';

/**
 * The ledger is reset (as `db rollback` of its revisions + `db migrate`, or `db restore` of an older dump would)
 * while Redis keeps the fleet's BullMQ requests: ledger job ids start at 1 again, and a request of the new job 1
 * must not be taken for the old one.
 */
describe('requests: job ids reused after a ledger reset', function () {
  this.timeout(150_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  async function enqueue(): Promise<number> {
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '200', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    return (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
  }

  it('a job created after the reset is taken and completes', async () => {
    await fleet.setUp(1500);
    const processes = [fleet.start(['producer']), fleet.start(['consumer'])];
    const before = await enqueue();
    expect(await fleet.waitForJobEnd(before)).to.equal('completed');

    await fleet.pool.query(`TRUNCATE backfill_jobs, backfill_ranges, backfill_errors, backfill_job_events, backfill_track_snapshots RESTART IDENTITY`);
    await fleet.pool.query(`DELETE FROM analysis_history`);
    await fleet.pool.query(`UPDATE tracks SET ${ANALYSIS_COLUMNS.map((c) => `${c.name} = NULL`).join(', ')}`);

    const after = await enqueue();
    expect(after, 'the ledger reuses the id').to.equal(before);
    const end = await fleet.waitForJobEnd(after, 60_000)
      .catch((err: unknown) => { throw new Error(`${String(err)}\n${processes.map((p) => p.output().slice(-3000)).join('\n---\n')}`); });
    expect(end).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, after);
  });
});
