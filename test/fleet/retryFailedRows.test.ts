import { expect } from 'chai';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { cli, copyLegacyData, enqueue, historyRowsOf, statusOf, tracksByOutcome } from './jobCommands.js';

interface RetryReport { jobId: number; ranges: number; rowErrorsCleared: number; deadLettersRemoved: number }

/**
 * `backfill retry-failed --rows`: after the operator fixed some of the legacy data that were row errors, the
 * ranges holding row errors run again. Fixed rows are converted; rows still bad are reported again; rows
 * converted before keep their one history row (never converted twice); the ranges' counts follow.
 */
describe('backfill retry-failed --rows', function () {
  this.timeout(240_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('converts the fixed rows, reports the rest again, and converts no track twice', async () => {
    await fleet.setUp(3000);
    fleet.start(['producer']);
    fleet.start(['consumer']);
    const jobId = await enqueue(fleet);
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    const { converted, error } = await tracksByOutcome(fleet.pool);
    expect(error.length, 'the demo data has row errors').to.be.greaterThan(20);
    const historyBefore = await historyRowsOf(fleet.pool, converted);
    const errorRanges = (await fleet.pool.query<{ n: number }>(
      'SELECT count(DISTINCT range_id)::int AS n FROM backfill_errors WHERE job_id = $1', [jobId])).rows[0]?.n;

    // Without --rows nothing is retried: no range failed.
    const nothing = await cli(fleet, ['backfill', 'retry-failed', String(jobId), '--json']);
    expect(nothing.code, nothing.stderr).to.equal(0);
    expect(JSON.parse(nothing.stdout) as RetryReport).to.deep.equal({ jobId, ranges: 0, rowErrorsCleared: 0, deadLettersRemoved: 0 });
    expect(await fleet.jobState(jobId)).to.equal('completed');

    const fixed = error.filter((_, i) => i % 2 === 0);
    const stillBad = error.filter((_, i) => i % 2 === 1);
    await copyLegacyData(fleet.pool, converted[0] as number, fixed);

    const retried = await cli(fleet, ['backfill', 'retry-failed', String(jobId), '--rows', '--json']);
    expect(retried.code, retried.stderr).to.equal(0);
    expect(JSON.parse(retried.stdout) as RetryReport).to.deep.equal({ jobId, ranges: errorRanges, rowErrorsCleared: error.length, deadLettersRemoved: 0 });
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');

    const history = (await statusOf(fleet, jobId)).history;
    expect(history.map((h) => h.toState).slice(-2)).to.deep.equal(['running', 'completed']);
    expect(history.at(-2)?.reason).to.equal(`retry-failed --rows: ${errorRanges} range(s)`);

    // The whole database is what converting the fixed data gives: fixed rows converted, the rest reported.
    const totals = await expectDatabaseMatchesConversion(fleet.pool, jobId);
    expect(totals.converted).to.equal(converted.length + fixed.length);
    expect(totals.failed).to.equal(stillBad.length);
    const { rows: [errors] } = await fleet.pool.query<{ tracks: number[] }>(
      'SELECT array_agg(track_id::float8 ORDER BY track_id) AS tracks FROM backfill_errors WHERE job_id = $1', [jobId]);
    expect(errors?.tracks).to.deep.equal(stillBad);
    // Rows converted before keep the very history row they had.
    expect(await historyRowsOf(fleet.pool, converted)).to.deep.equal(historyBefore);

    // The ranges' counts follow: converted moves up by the fixed rows, failed down to the rows still bad.
    const { rows: [counts] } = await fleet.pool.query<{ converted: number; failed: number }>(
      'SELECT sum(converted)::int AS converted, sum(failed)::int AS failed FROM backfill_ranges WHERE job_id = $1', [jobId]);
    expect(counts).to.deep.equal({ converted: converted.length + fixed.length, failed: stillBad.length });
  });
});
