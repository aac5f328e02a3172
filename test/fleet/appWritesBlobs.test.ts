import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import { convertLegacy } from '../../src/shared/conversion/convert.js';
import { FleetHarness } from './fleetHarness.js';
import { cli, tracksByOutcome } from './jobCommands.js';
import { expectCompletedDuringWrites, runPrintedEnqueue, startJobWithApplication } from './appWritesFleet.js';

type Results = Record<string, unknown>;

/** A converted record or history results without the conversion time, which differs between conversions. */
function comparable(results: Results): Results {
  const { migration_date: _time, ...metadata } = (results.metadata ?? {}) as Results;
  return { ...results, metadata };
}

function conversionOf(blob: string | null, analysisVersion: string): Results | undefined {
  const outcome = convertLegacy(blob, { analysisVersion, now: new Date() });
  return outcome.outcome === 'converted' ? comparable(outcome.record as unknown as Results) : undefined;
}

/**
 * An old analyzer rewrites legacy blobs while the fleet converts them: every track's values come from one
 * committed version of its blob (never a mix, never a blob other than the one converted), and finalize names
 * exactly the tracks whose current blob converts to other values than the stored ones, refuses to finalize
 * them silently and prints the command that converts them again.
 */
describe('legacy blobs rewritten by an old analyzer during a backfill', function () {
  this.timeout(300_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('stores values of a committed blob, and finalize lists exactly the tracks whose blob changed after conversion', async () => {
    const { jobId, app } = await startJobWithApplication(fleet, 6000);
    const { rows: original } = await fleet.pool.query<{ id: number; analysis_data: string | null }>('SELECT id, analysis_data FROM tracks');
    const versions = new Map(original.map((r) => [r.id, [r.analysis_data]]));
    const convertible = new Set((await tracksByOutcome(fleet.pool)).converted);
    for (let i = 0; i < 2; i++) {
      app.run(async (a) => {
        const id = await a.randomId();
        if (!convertible.has(id)) return false;
        const blob = JSON.stringify({ energy: Math.round(Math.random() * 1000) / 1000, danceability: Math.round(Math.random() * 1000) / 1000, version: 'old-analyzer' });
        const { rowCount } = await a.query('UPDATE tracks SET analysis_data = $2 WHERE id = $1', [id, blob]);
        if (rowCount === 1) versions.get(id)?.push(blob);
        return rowCount === 1;
      }, 3);
    }
    // A blob rewritten between a chunk's read and its write makes the range read that chunk again; one rewritten on
    // every read sends the range to the retry queue: retries allowed.
    await expectCompletedDuringWrites(fleet, jobId, app, false);

    const { rows } = await fleet.pool.query<{ id: number; analysis_data: string | null; results: Results; columns: Results }>(
      `SELECT t.id, t.analysis_data, h.results,
              jsonb_build_object('energy_level', t.energy_level, 'danceability', t.danceability, 'valence', t.valence,
                                 'acousticness', t.acousticness, 'instrumentalness', t.instrumentalness) AS columns
         FROM tracks t JOIN analysis_history h ON h.track_id = t.id AND h.analysis_version = '2024.1' ORDER BY t.id`);
    const changed: number[] = [];
    let fromRewrite = 0;
    for (const row of rows) {
      const stored = comparable(row.results);
      const source = (versions.get(row.id) ?? []).findIndex((blob) => isDeepStrictEqual(conversionOf(blob, '2024.1'), stored));
      expect(source, `track ${row.id}: its values are the conversion of a committed blob`).to.be.at.least(0);
      if (source > 0) fromRewrite++;
      const { energy_level, danceability, valence, acousticness, instrumentalness } = stored;
      expect(row.columns, `track ${row.id}: columns as the history row`).to.deep.equal({ energy_level, danceability, valence, acousticness, instrumentalness });
      if (!isDeepStrictEqual(conversionOf(row.analysis_data, '2024.1'), stored)) changed.push(row.id);
    }
    expect(fromRewrite, 'tracks converted from a blob rewritten before their range').to.be.greaterThan(0);
    expect(changed.length, 'tracks rewritten after their conversion').to.be.greaterThan(0);

    const command = `tracktion-migrate backfill enqueue --analysis-version 2024.1-r${jobId} --from-id ${changed[0]} --to-id ${changed.at(-1)}`;
    const refused = await cli(fleet, ['backfill', 'finalize', String(jobId), '--json']);
    expect(refused.code, 'not finalized: exit 1').to.equal(1);
    expect(JSON.parse(refused.stdout)).to.deep.include({
      finalized: false, unconverted: 0,
      changed: { count: changed.length, sampleTrackIds: changed.slice(0, 10), command, accepted: false },
    });
    expect(await fleet.jobState(jobId)).to.equal('completed');
    const text = await cli(fleet, ['backfill', 'finalize', String(jobId)]);
    expect(text.stdout).to.contain(`job ${jobId} cannot be finalized: ${changed.length} track(s) had their legacy data rewritten after conversion`);
    expect(text.stdout).to.contain(`  convert them again (a new analysis version over their ids): ${command}\n`);
    expect(text.stdout).to.contain(`  or keep the values converted from their earlier data: backfill finalize ${jobId} --accept-changed\n`);

    // The printed command converts them again; the job then finalizes.
    const again = await runPrintedEnqueue(fleet, command);
    expect(await fleet.waitForJobEnd(again)).to.equal('completed');
    const { rows: stale } = await fleet.pool.query<{ id: number; analysis_data: string | null; results: Results }>(
      `SELECT t.id, t.analysis_data, h.results FROM tracks t JOIN analysis_history h ON h.track_id = t.id AND h.analysis_version = t.analysis_version
        WHERE t.id = ANY($1::int[])`, [changed]);
    expect(stale.filter((r) => !isDeepStrictEqual(conversionOf(r.analysis_data, `2024.1-r${jobId}`), comparable(r.results))).map((r) => r.id),
      'changed tracks whose values are not their current blob\'s').to.deep.equal([]);
    expect(stale).to.have.length(changed.length);
    const finalized = await cli(fleet, ['backfill', 'finalize', String(jobId), '--json']);
    expect(finalized.code, finalized.stderr).to.equal(0);
    expect(JSON.parse(finalized.stdout)).to.deep.include({ finalized: true, changed: { count: 0, sampleTrackIds: [], command: null, accepted: false } });

    // Accepted: a blob rewritten after the second job converted it; finalized with --accept-changed, still listed.
    const target = changed[0] as number;
    await fleet.pool.query(`UPDATE tracks SET analysis_data = '{"energy": 0.123, "version": "older"}' WHERE id = $1`, [target]);
    const held = await cli(fleet, ['backfill', 'finalize', String(again), '--json']);
    expect(held.code).to.equal(1);
    expect(JSON.parse(held.stdout)).to.deep.include({ finalized: false });
    const accepted = await cli(fleet, ['backfill', 'finalize', String(again), '--accept-changed', '--json']);
    expect(accepted.code, accepted.stderr).to.equal(0);
    const reconvert = `tracktion-migrate backfill enqueue --analysis-version 2024.1-r${jobId}-r${again} --from-id ${target} --to-id ${target}`;
    expect(JSON.parse(accepted.stdout)).to.deep.include({ finalized: true, changed: { count: 1, sampleTrackIds: [target], command: reconvert, accepted: true } });
    expect(await fleet.jobState(again)).to.equal('finalized');
  });
});
