import { expect } from 'chai';
import { FleetHarness } from './fleetHarness.js';
import { hangRangeWrites } from './deliveryFaults.js';
import { consumerSessions, rangeStates, sleepingConsumerBackend } from './faults.js';
import { cli, enqueue, tracksByOutcome } from './jobCommands.js';

/**
 * `backfill cancel --force`: the ranges in hand are stopped too — their transactions roll back — so the job
 * ends cancelled without waiting for them; what finished before is kept; the consumer lives on.
 */
describe('backfill cancel --force', function () {
  this.timeout(180_000);
  const fleets: FleetHarness[] = [];
  after(() => Promise.all(fleets.map((fleet) => fleet.tearDown())));

  it('stops a range in hand (rolled back), keeps what finished, and ends cancelled at once', async () => {
    const { fleet, jobId, range, doneBefore, consumer } = await jobWithHungRange(fleets);
    const started = Date.now();
    const cancelled = await cli(fleet, ['backfill', 'cancel', String(jobId), '--force', '--json']);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    expect(JSON.parse(cancelled.stdout)).to.deep.equal({ jobId, from: 'running', to: 'cancelling', changed: true });
    expect(await fleet.waitForJobEnd(jobId, 30_000), 'the hung range did not hold the cancel').to.equal('cancelled');
    expect(Date.now() - started).to.be.below(30_000);

    // The hung range's transaction rolled back: nothing of it is written, and the ledger does not call it done.
    await fleet.waitFor(async () => (await consumerSessions(fleet.pool, 'in a transaction')) === 0, 'the stopped range\'s transaction to end', 10_000);
    const { rows: [written] } = await fleet.pool.query<{ history: number; versioned: number }>(
      `SELECT (SELECT count(*)::int FROM analysis_history WHERE track_id BETWEEN $1 AND $2) AS history,
              (SELECT count(*)::int FROM tracks WHERE id BETWEEN $1 AND $2 AND analysis_version IS NOT NULL) AS versioned`,
      [range.start_id, range.end_id]);
    expect(written).to.deep.equal({ history: 0, versioned: 0 });
    const { rows: [ledger] } = await fleet.pool.query<{ state: string }>('SELECT state FROM backfill_ranges WHERE job_id = $1 AND range_id = $2', [jobId, range.range_id]);
    expect(ledger?.state).not.to.equal('done');
    // What finished before is kept: exactly the history rows the done ranges counted.
    const { rows: [kept] } = await fleet.pool.query<{ history: number; counted: number }>(
      `SELECT (SELECT count(*)::int FROM analysis_history) AS history,
              (SELECT coalesce(sum(converted), 0)::int FROM backfill_ranges WHERE job_id = $1 AND state = 'done') AS counted`, [jobId]);
    expect(kept?.history).to.equal(kept?.counted).and.to.be.greaterThan(0);
    expect((await rangeStates(fleet.pool, jobId)).done).to.equal(doneBefore);
    expect(consumer.exitCode, 'the consumer lives on').to.equal(null);
    expect(consumer.output()).to.match(/cancel --force: stopping a range in hand/);
  });

  it('escalates a plain cancel that waits for a range in hand', async () => {
    const { fleet, jobId } = await jobWithHungRange(fleets);
    const plain = await cli(fleet, ['backfill', 'cancel', String(jobId), '--json']);
    expect(JSON.parse(plain.stdout)).to.deep.equal({ jobId, from: 'running', to: 'cancelling', changed: true });
    const forced = await cli(fleet, ['backfill', 'cancel', String(jobId), '--force', '--json']);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(JSON.parse(forced.stdout)).to.deep.equal({ jobId, from: 'cancelling', to: 'cancelling', changed: true });
    expect(await fleet.waitForJobEnd(jobId, 30_000), 'the forced cancel stopped the hung range').to.equal('cancelled');
    const { rows } = await fleet.pool.query<{ reason: string }>(
      `SELECT reason FROM backfill_job_events WHERE job_id = $1 AND to_state = 'cancelling' ORDER BY id`, [jobId]);
    expect(rows.map((r) => r.reason)).to.deep.equal(['cancel', 'cancel --force']);
  });
});

/** A running job whose middle range hangs in its write for 600 s, held by its only consumer. */
async function jobWithHungRange(fleets: FleetHarness[]) {
  const fleet = new FleetHarness();
  fleets.push(fleet);
  await fleet.setUp(3000);
  // The range holding this track hangs in its write far longer than the test waits for the cancel.
  const { converted } = await tracksByOutcome(fleet.pool);
  const hung = converted[Math.floor(converted.length / 2)] as number;
  await hangRangeWrites(fleet.pool, hung, 600);
  fleet.start(['producer']);
  const consumer = fleet.start(['consumer', '--prefetch', '1']);
  const jobId = await enqueue(fleet);
  await fleet.waitFor(async () => (await sleepingConsumerBackend(fleet.pool)) !== undefined, 'the consumer to hang in the range write');
  const { rows: [range] } = await fleet.pool.query<{ range_id: number; start_id: number; end_id: number }>(
    'SELECT range_id::float8 AS range_id, start_id::float8 AS start_id, end_id::float8 AS end_id FROM backfill_ranges WHERE job_id = $1 AND $2 BETWEEN start_id AND end_id',
    [jobId, hung]);
  if (!range) throw new Error(`no range holds track ${hung}`);
  const doneBefore = (await rangeStates(fleet.pool, jobId)).done ?? 0;
  expect(doneBefore, 'ranges before the hung one are done').to.be.greaterThan(0);
  return { fleet, jobId, range, doneBefore, consumer };
}
