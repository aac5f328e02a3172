import { expect } from 'chai';
import { FleetHarness } from './fleetHarness.js';
import { cli, copyLegacyData, enqueue, statusOf, tracksByOutcome } from './jobCommands.js';

/**
 * `backfill finalize`, the last step: refused for a job that is not completed; reports (exit 1) the tracks in
 * the job's bounds that still need conversion; validates constraints left NOT VALID; marks the job finalized.
 */
/** No legacy tracks beyond the job's bounds, no blob rewritten after conversion. */
const NOTHING_ELSE = {
  beyondBounds: { count: 0, sampleTrackIds: [], commands: [] },
  changed: { count: 0, sampleTrackIds: [], command: null, accepted: false },
};

describe('backfill finalize', function () {
  this.timeout(240_000);
  const fleet = new FleetHarness();
  let consumer: ReturnType<FleetHarness['start']> | undefined;
  after(() => fleet.tearDown());

  it('refuses a running job, reports tracks still needing conversion, then validates and finalizes once they are converted', async () => {
    await fleet.setUp(3000);
    fleet.start(['producer']);
    const jobId = await enqueue(fleet);
    // No consumer yet: the producer publishes the ranges and the job stays running.
    await fleet.waitFor(async () => (await fleet.jobState(jobId)) === 'running', 'the job to run');
    const refused = await cli(fleet, ['backfill', 'finalize', String(jobId)]);
    expect(refused.code, 'a usage error').to.equal(64);
    expect(refused.stderr).to.match(new RegExp(`job ${jobId} is running; only a completed job can be finalized`));
    expect(await fleet.jobState(jobId)).to.equal('running');

    const unknown = await cli(fleet, ['backfill', 'finalize', '999999']);
    expect(unknown.code).to.equal(64);
    expect(unknown.stderr).to.match(/no backfill job 999999/);

    consumer = fleet.start(['consumer']);
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');

    // A track in the bounds that had no legacy data gets some after the job converted its range.
    const { converted, none } = await tracksByOutcome(fleet.pool);
    const { rows: [bounds] } = await fleet.pool.query<{ min_id: number; max_id: number }>(
      'SELECT min_id::float8 AS min_id, max_id::float8 AS max_id FROM backfill_jobs WHERE id = $1', [jobId]);
    const late = none.find((id) => id > (bounds?.min_id ?? 0) && id < (bounds?.max_id ?? 0));
    expect(late, 'a track without legacy data inside the bounds').to.be.a('number');
    await copyLegacyData(fleet.pool, converted[0] as number, [late as number]);

    const pending = await cli(fleet, ['backfill', 'finalize', String(jobId), '--json']);
    expect(pending.code, 'not finalized: exit 1').to.equal(1);
    expect(JSON.parse(pending.stdout)).to.deep.equal({ jobId, finalized: false, unconverted: 1, sampleTrackIds: [late], constraintsValidated: [], ...NOTHING_ELSE });
    expect(await fleet.jobState(jobId)).to.equal('completed');
    const pendingText = await cli(fleet, ['backfill', 'finalize', String(jobId)]);
    expect(pendingText.code).to.equal(1);
    expect(pendingText.stdout).to.contain(`job ${jobId} cannot be finalized: 1 track(s) in its bounds still need conversion (e.g. ${late}) — enqueue a backfill for them`);

    // What the operator is told to do: a second backfill converts the track.
    const second = await enqueue(fleet);
    expect(await fleet.waitForJobEnd(second)).to.equal('completed');
    // A constraint a migration left NOT VALID (stopped between ADD and VALIDATE).
    await fleet.pool.query('ALTER TABLE tracks ADD CONSTRAINT test_positive_id CHECK (id > 0) NOT VALID');

    const finalized = await cli(fleet, ['backfill', 'finalize', String(jobId), '--json']);
    expect(finalized.code, finalized.stderr).to.equal(0);
    expect(JSON.parse(finalized.stdout)).to.deep.equal({ jobId, finalized: true, unconverted: 0, sampleTrackIds: [], constraintsValidated: ['tracks.test_positive_id'], ...NOTHING_ELSE });
    expect(await fleet.jobState(jobId)).to.equal('finalized');
    const { rows: [constraint] } = await fleet.pool.query<{ convalidated: boolean }>(
      `SELECT convalidated FROM pg_constraint WHERE conname = 'test_positive_id'`);
    expect(constraint?.convalidated).to.equal(true);
    const { rows: [job] } = await fleet.pool.query<{ finalized_at: Date | null }>('SELECT finalized_at FROM backfill_jobs WHERE id = $1', [jobId]);
    expect(job?.finalized_at).to.be.instanceOf(Date);
    const status = await statusOf(fleet, jobId);
    expect(status.state).to.equal('finalized');
    expect(status.history.at(-1)).to.include({ toState: 'finalized', reason: 'every track in the bounds converted or reported' });

    // Finalizing again changes nothing and says it is finalized.
    const again = await cli(fleet, ['backfill', 'finalize', String(jobId)]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout.trim()).to.equal(`job ${jobId} finalized`);
    expect((await statusOf(fleet, jobId)).history.filter((h) => h.toState === 'finalized')).to.have.length(1);
  });

  it('refuses a cancelled job', async () => {
    // Without a consumer the job cannot complete before the cancel reaches it.
    consumer?.kill('SIGTERM');
    await consumer?.exited;
    const jobId = await enqueue(fleet);
    const cancelled = await cli(fleet, ['backfill', 'cancel', String(jobId)]);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    const refused = await cli(fleet, ['backfill', 'finalize', String(jobId)]);
    expect(refused.code).to.equal(64);
    expect(refused.stderr).to.match(new RegExp(`job ${jobId} is cancell(ing|ed); only a completed job can be finalized`));
  });
});
