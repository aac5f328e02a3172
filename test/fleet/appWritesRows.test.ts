import { expect } from 'chai';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { cli, enqueue, tracksByOutcome } from './jobCommands.js';
import { expectCompletedDuringWrites, runPrintedEnqueue, startJobWithApplication } from './appWritesFleet.js';

/**
 * The application inserts, deletes and updates `tracks` while a real fleet rewrites every row of it: a track
 * deleted mid-range is simply not converted (the range does not fail), an update of another column is never
 * lost, and a track inserted after the job was enqueued is not the job's — finalize names it and prints the
 * command that converts it.
 */
describe('the application writes the rows a backfill converts', function () {
  this.timeout(300_000);

  describe('deletes of tracks in the ranges being converted', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('a deleted track is neither converted nor a row error, and no range fails', async () => {
      const { jobId, app } = await startJobWithApplication(fleet, 6000);
      let deleted = 0;
      for (let i = 0; i < 3; i++) {
        app.run(async (a) => {
          const done = await a.deleteTrack(await a.randomId());
          if (done) deleted++;
          return done;
        }, 1);
      }
      await expectCompletedDuringWrites(fleet, jobId, app);
      expect(deleted).to.be.greaterThan(100);
      const { rows: [left] } = await fleet.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tracks');
      expect(left?.n).to.be.at.most(6000 - deleted);
      // Every track still there converted exactly once (or its row error); no row error for a deleted track.
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
      // A row error of a deleted track only when the track was deleted after its range committed the error.
      const { rows: orphans } = await fleet.pool.query<{ id: number }>(
        'SELECT e.track_id::float8 AS id FROM backfill_errors e WHERE e.job_id = $1 AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.id = e.track_id)', [jobId]);
      expect(orphans.map((r) => r.id).filter((id) => !app.deletedAfterRowError.has(id)), 'row errors of tracks deleted before their range was written').to.deep.equal([]);
    });
  });

  describe('play counts incremented during the job', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('every committed increment is kept and every track converted', async () => {
      const { jobId, app } = await startJobWithApplication(fleet, 6000,
        (f) => f.pool.query('ALTER TABLE tracks ADD COLUMN play_count int NOT NULL DEFAULT 0').then(() => undefined));
      let committed = 0;
      for (let i = 0; i < 3; i++) {
        app.run(async (a) => {
          const { rowCount } = await a.query('UPDATE tracks SET play_count = play_count + 1 WHERE id = $1', [await a.randomId()]);
          committed += rowCount ?? 0;
          return rowCount === 1;
        }, 1);
      }
      await expectCompletedDuringWrites(fleet, jobId, app);
      expect(committed).to.be.greaterThan(100);
      const { rows: [sum] } = await fleet.pool.query<{ total: number }>('SELECT sum(play_count)::int AS total FROM tracks');
      expect(sum?.total, 'play counts').to.equal(committed);
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
    });
  });

  describe('tracks inserted after the job was enqueued', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('above the bounds: reported by finalize with the command that converts them; inside: reported as unconverted', async () => {
      const { jobId, bounds, app } = await startJobWithApplication(fleet, 6000);
      const { converted } = await tracksByOutcome(fleet.pool);
      const { rows: gapRows } = await fleet.pool.query<{ id: number }>(
        `SELECT g::float8 AS id FROM generate_series($1::int, $2::int) g WHERE NOT EXISTS (SELECT 1 FROM tracks WHERE id = g)`, [bounds.minId, bounds.maxId]);
      const gaps = gapRows.map((r) => r.id);
      // Above every track (the bounds end at the last track with legacy data; tracks without any may follow).
      const { rows: [last] } = await fleet.pool.query<{ id: number }>('SELECT max(id)::float8 AS id FROM tracks');
      const firstAbove = (last?.id ?? bounds.maxId) + 1;
      const above: number[] = [];
      const inside: number[] = [];
      const insert = (id: number) => app.query(
        `INSERT INTO tracks (id, file_path, analysis_data, created_at)
         SELECT $1::int, 'app/' || $1::text, analysis_data, now() FROM tracks WHERE id = $2`,
        [id, converted[Math.floor(Math.random() * converted.length)]]);
      app.run(async () => {
        const id = firstAbove + above.length;
        await insert(id);
        above.push(id);
        return true;
      }, 5);
      app.run(async () => {
        const id = gaps.splice(Math.floor(Math.random() * gaps.length), 1)[0];
        if (id === undefined) return false;
        await insert(id);
        inside.push(id);
        return true;
      }, 5);
      await expectCompletedDuringWrites(fleet, jobId, app);
      expect(above.length).to.be.greaterThan(10);

      // Inserted inside the bounds after their range was read: not converted, named as the job's unconverted tracks.
      const { rows: unconvertedRows } = await fleet.pool.query<{ id: number }>(
        `SELECT t.id::float8 AS id FROM tracks t WHERE t.id = ANY($1::int[])
            AND NOT EXISTS (SELECT 1 FROM analysis_history h WHERE h.track_id = t.id) ORDER BY t.id`, [inside]);
      const unconverted = unconvertedRows.map((r) => r.id);
      const report = await cli(fleet, ['backfill', 'finalize', String(jobId), '--json']);
      expect(report.code, report.stderr).to.equal(unconverted.length ? 1 : 0);
      const command = `tracktion-migrate backfill enqueue --analysis-version 2024.1 --from-id ${bounds.maxId + 1}`;
      expect(JSON.parse(report.stdout)).to.deep.include({
        finalized: unconverted.length === 0, unconverted: unconverted.length, sampleTrackIds: unconverted.slice(0, 10),
        beyondBounds: { count: above.length, sampleTrackIds: above.slice(0, 10), commands: [command] },
      });
      const text = await cli(fleet, ['backfill', 'finalize', String(jobId)]);
      expect(text.stdout).to.contain(`${above.length} track(s) with legacy data are beyond the job's id bounds`);
      expect(text.stdout).to.contain(`\n  ${command}\n`);

      // The printed command converts them; a backfill over the bounds converts the ones inside.
      const second = await runPrintedEnqueue(fleet, command);
      expect(await fleet.waitForJobEnd(second)).to.equal('completed');
      if (unconverted.length) expect(await fleet.waitForJobEnd(await enqueue(fleet))).to.equal('completed');
      const { rows: [left] } = await fleet.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM tracks t WHERE t.id = ANY($1::int[])
            AND NOT EXISTS (SELECT 1 FROM analysis_history h WHERE h.track_id = t.id)`, [[...above, ...inside]]);
      expect(left?.n, 'inserted tracks left unconverted').to.equal(0);
      const finalized = await cli(fleet, ['backfill', 'finalize', String(jobId), '--json']);
      expect(finalized.code, finalized.stderr).to.equal(0);
      expect(JSON.parse(finalized.stdout)).to.deep.include({ finalized: true, unconverted: 0, beyondBounds: { count: 0, sampleTrackIds: [], commands: [] } });
    });
  });
});
