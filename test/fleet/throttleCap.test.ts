import { expect } from 'chai';
import { FleetHarness } from './fleetHarness.js';
import { cli, enqueue, statusOf } from './jobCommands.js';

const RANGE_SIZE = 250;
const CAP = 1000;

/**
 * `backfill throttle --max-rate`: the operator's cap is kept in the ledger, shown by status, and obeyed by the
 * whole fleet (every consumer draws from one budget); `--clear` removes it.
 */
describe('backfill throttle --max-rate', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('records the cap, reports it, paces the fleet to it, and --clear removes it', async () => {
    await fleet.setUp(4000);
    // Capped before any consumer runs, so every range is paced: the producer publishes them, nobody takes them.
    fleet.start(['producer']);
    const jobId = await enqueue(fleet, ['--range-size', String(RANGE_SIZE)]);
    await fleet.waitFor(async () => (await fleet.jobState(jobId)) === 'running', 'the job to run');

    const neither = await cli(fleet, ['backfill', 'throttle', String(jobId)]);
    expect(neither.code).to.equal(64);
    expect(neither.stderr).to.match(/give exactly one of --max-rate N or --clear/);
    const zero = await cli(fleet, ['backfill', 'throttle', String(jobId), '--max-rate', '0']);
    expect(zero.code, 'a cap of 0 is refused (pause holds a job)').to.equal(64);

    const capped = await cli(fleet, ['backfill', 'throttle', String(jobId), '--max-rate', String(CAP)]);
    expect(capped.code, capped.stderr).to.equal(0);
    expect(capped.stdout.trim()).to.equal(`job ${jobId}: capped at ${CAP} tracks/s`);
    const { rows: [job] } = await fleet.pool.query<{ max_rate: number }>('SELECT max_rate::float8 AS max_rate FROM backfill_jobs WHERE id = $1', [jobId]);
    expect(job?.max_rate, 'kept in the ledger').to.equal(CAP);
    const reported = (await statusOf(fleet, jobId)).throttle;
    expect(reported).to.include({ rate: CAP, operatorCap: CAP, reason: `operator cap ${CAP} tracks/s` });
    expect(reported.since).to.be.a('string');

    fleet.start(['consumer', '--prefetch', '2']);
    fleet.start(['consumer', '--prefetch', '2']);
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');

    // Each range reserves RANGE_SIZE tracks of the budget before it starts: starts are RANGE_SIZE / CAP s apart
    // at least, across both consumers (unthrottled, 16 ranges of 250 take well under a second here).
    const { rows: [spread] } = await fleet.pool.query<{ ranges: number; span_ms: number }>(
      `SELECT count(*)::int AS ranges,
              extract(epoch FROM max(finished_at - make_interval(secs => duration_ms / 1000.0))
                               - min(finished_at - make_interval(secs => duration_ms / 1000.0)))::float8 * 1000 AS span_ms
         FROM backfill_ranges WHERE job_id = $1 AND state = 'done'`, [jobId]);
    const paced = ((spread?.ranges ?? 0) - 1) * RANGE_SIZE / CAP * 1000;
    expect(spread?.ranges).to.be.greaterThan(10);
    expect(spread?.span_ms, `range starts spread over at least ${paced} ms`).to.be.at.least(paced * 0.9);

    const cleared = await cli(fleet, ['backfill', 'throttle', String(jobId), '--clear']);
    expect(cleared.code, cleared.stderr).to.equal(0);
    expect(cleared.stdout.trim()).to.equal(`job ${jobId}: rate cap removed`);
    const { rows: [after] } = await fleet.pool.query<{ max_rate: number | null }>('SELECT max_rate FROM backfill_jobs WHERE id = $1', [jobId]);
    expect(after?.max_rate).to.equal(null);
    expect((await statusOf(fleet, jobId)).throttle).to.deep.equal({ rate: null, reason: null, since: null, operatorCap: null });
  });
});
