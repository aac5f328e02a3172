import { expect } from 'chai';
import pg from 'pg';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, uniqueName, type TestDatabase } from '../helpers/isolation.js';
import { runJobInProcess } from './inProcessJob.js';
import { allMigrations } from '../../migrations/index.js';

interface RollbackJson {
  jobId: number;
  rangesDone: number;
  tracksRestored: number;
  keptOverwrittenByJobs: { tracks: number; sampleTrackIds: number[] };
  keptChangedOutsideBackfill: { tracks: number; sampleTrackIds: number[] };
  snapshotsRelinked: number;
}

/** A seeded track with a good legacy blob (seed row 200), inside the second job's bounds. */
const EARLIER_VALUES_TRACK = 220;

const TRACK_VALUES_SQL = `
  SELECT id, energy_level, danceability, valence, acousticness, instrumentalness, analysis_version, analysis_metadata::text
    FROM tracks ORDER BY id`;

/**
 * A rollback restores a track only while it still holds what the rolled-back job wrote: values a later job
 * or the application wrote since are kept and reported, and a later job's snapshot of the rolled-back values
 * never brings them back without their history.
 */
describe('backfill rollback respects later writers', function () {
  this.timeout(240_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[]) => runCli(['backfill', 'rollback', ...args], { env });
  const trackValues = async () => (await pool.query(TRACK_VALUES_SQL)).rows;
  const historyOf = async (jobId: number) =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM analysis_history WHERE created_by = $1`, [`backfill:${jobId}`])).rows[0]?.n;
  const jobState = async (jobId: number) => (await pool.query<{ state: string }>('SELECT state FROM backfill_jobs WHERE id = $1', [jobId])).rows[0]?.state;

  beforeEach(async () => {
    db = await createTestDatabase('tm_rollback_later');
    await migrateToLatest(db.url, allMigrations);
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    await seedDemoTracks(pool, 1200);
    env = testEnv({ DATABASE_URL: db.url, TRACKTION_NAMESPACE: uniqueName('tmrb').replace(/_/g, '-') });
  });
  afterEach(async () => {
    await pool?.end();
    await db?.drop();
  });

  /**
   * Two jobs (the second over ids up to 600 only) and three writes of the application: one before the first
   * job (that job snapshots it), one between the jobs (the second job snapshots it), one after both.
   */
  async function twoJobsAndApplicationWrites() {
    await pool.query(`UPDATE tracks SET energy_level = 0.333, analysis_version = 'v0' WHERE id = $1`, [EARLIER_VALUES_TRACK]);
    const first = await runJobInProcess(pool, { analysisVersion: 'v1', rangeSize: 100 });
    // The application rewrites one converted track before the second job runs (the second job snapshots it)…
    const beforeSecond = await pool.query<{ id: number }>(
      `UPDATE tracks SET energy_level = 0.111, analysis_version = 'app' WHERE id = (SELECT min(track_id) FROM analysis_history) RETURNING id`);
    const second = await runJobInProcess(pool, { analysisVersion: 'v2', rangeSize: 100, toId: 600 });
    // …and one the second job did not reach, after it ran.
    const afterSecond = await pool.query<{ id: number }>(
      `UPDATE tracks SET danceability = 0.222 WHERE id = (SELECT max(track_id) FROM analysis_history WHERE created_by = 'backfill:1') RETURNING id`);
    const { rows } = await pool.query<{ n: number }>(`
      SELECT count(*)::int AS n FROM analysis_history a JOIN analysis_history b USING (track_id)
       WHERE a.created_by = 'backfill:1' AND b.created_by = 'backfill:2'`);
    return { first, second, appBefore: beforeSecond.rows[0]?.id as number, appAfter: afterSecond.rows[0]?.id as number, overlap: rows[0]?.n as number };
  }

  it('refuses to roll back an older job a later job wrote over, naming it; the preview says so; nothing changes', async () => {
    const { first, second, appAfter, overlap } = await twoJobsAndApplicationWrites();
    expect(overlap).to.be.greaterThan(300);
    const before = await trackValues();

    // A preview is exit 0 (it did what was asked); the refusal comes with --yes.
    const preview = await cli([String(first)]);
    expect(preview.code, preview.stderr).to.equal(0);
    expect(preview.stdout).to.include(`job ${second} (version v2, completed) wrote over ${overlap} of these tracks since`);
    expect(preview.stdout).to.match(new RegExp(`keep 1 track\\(s\\) changed since outside the backfill .*e\\.g\\. ${appAfter}`));

    const refused = await cli([String(first), '--yes']);
    expect(refused.code, refused.stderr).to.equal(64);
    expect(refused.stderr).to.include(`job ${second} (version v2, completed) wrote over ${overlap} of these tracks since: roll it back first, ` +
      `or pass --keep-later-writes to roll back only tracks still holding job ${first}'s values`);
    expect(await jobState(first)).to.equal('completed');
    expect(await trackValues(), 'nothing changed').to.deep.equal(before);
  });

  it('with --keep-later-writes keeps the later job\'s values and history and the application\'s writes; rolling back the later job then never brings the older values back', async () => {
    const { first, second, appBefore, appAfter, overlap } = await twoJobsAndApplicationWrites();
    const v1Tracks = (await historyOf(first)) as number;
    const v2History = await historyOf(second);
    const before = new Map((await trackValues()).map((r) => [r.id as number, r]));

    const rolled = await cli([String(first), '--yes', '--keep-later-writes', '--json']);
    expect(rolled.code, rolled.stderr).to.equal(0);
    const report = JSON.parse(rolled.stdout) as RollbackJson;
    expect(report.tracksRestored).to.equal(v1Tracks - overlap - 1);
    expect(report.keptOverwrittenByJobs.tracks).to.equal(overlap);
    expect(report.keptOverwrittenByJobs.sampleTrackIds).to.include(appBefore);
    expect(report.keptChangedOutsideBackfill).to.deep.equal({ tracks: 1, sampleTrackIds: [appAfter] });
    // Every snapshot of the second job that held the first job's values, i.e. all but the application's track.
    expect(report.snapshotsRelinked).to.equal(overlap - 1);
    expect(await jobState(first)).to.equal('rolled_back');
    expect(await historyOf(first), 'the rolled-back job\'s history is gone').to.equal(0);
    expect(await historyOf(second), 'the later job\'s history stays').to.equal(v2History);
    const covered = await pool.query<{ track_id: number }>(`SELECT track_id FROM analysis_history WHERE created_by = $1`, [`backfill:${second}`]);
    for (const { track_id } of covered.rows) {
      expect((await pool.query(`${TRACK_VALUES_SQL.replace('ORDER BY id', 'WHERE id = $1')}`, [track_id])).rows[0], `track ${track_id}`)
        .to.deep.equal(before.get(track_id));
    }
    expect((await pool.query(`${TRACK_VALUES_SQL.replace('ORDER BY id', 'WHERE id = $1')}`, [appAfter])).rows[0], 'the application\'s write')
      .to.deep.equal(before.get(appAfter));

    const second_ = await cli([String(second), '--yes', '--json']);
    expect(second_.code, second_.stderr).to.equal(0);
    expect(await historyOf(second)).to.equal(0);
    // Before the first job only the application's track had values; with its later two writes that is all that is left.
    const withValues = await pool.query<{ id: number; energy_level: number | null; danceability: number | null; analysis_version: string | null }>(
      `SELECT id, energy_level, danceability, analysis_version FROM tracks
        WHERE energy_level IS NOT NULL OR danceability IS NOT NULL OR valence IS NOT NULL OR acousticness IS NOT NULL
           OR instrumentalness IS NOT NULL OR analysis_version IS NOT NULL OR analysis_metadata IS NOT NULL ORDER BY id`);
    expect(withValues.rows.map((r) => r.id)).to.deep.equal([appBefore, EARLIER_VALUES_TRACK, appAfter].sort((a, b) => a - b));
    expect(withValues.rows.find((r) => r.id === EARLIER_VALUES_TRACK), 'what was there before the first job')
      .to.deep.equal({ id: EARLIER_VALUES_TRACK, energy_level: 0.333, danceability: null, analysis_version: 'v0' });
    expect(withValues.rows.find((r) => r.id === appBefore)).to.include({ energy_level: 0.111, analysis_version: 'app' });
    expect(withValues.rows.find((r) => r.id === appAfter)).to.include({ danceability: 0.222, analysis_version: 'v1' });
  });

  it('rolling back the only job keeps the tracks the application changed since and reports them', async () => {
    const first = await runJobInProcess(pool, { analysisVersion: 'v1', rangeSize: 100 });
    const changed = (await pool.query<{ id: number }>(`
      UPDATE tracks SET energy_level = 0.5 WHERE id IN (SELECT track_id FROM analysis_history ORDER BY track_id LIMIT 3) RETURNING id`))
      .rows.map((r) => r.id).sort((a, b) => a - b);
    const rolled = await cli([String(first), '--yes', '--json']);
    expect(rolled.code, rolled.stderr).to.equal(0);
    const { rows } = await pool.query<{ id: number; energy_level: number; analysis_version: string }>(
      `SELECT id, energy_level, analysis_version FROM tracks WHERE analysis_version IS NOT NULL OR energy_level IS NOT NULL ORDER BY id`);
    expect(rows.map((r) => r.id), 'only the application\'s tracks keep values').to.deep.equal(changed);
    expect(rows.every((r) => r.energy_level === 0.5 && r.analysis_version === 'v1')).to.equal(true);
    expect(await historyOf(first)).to.equal(0);
    const report = JSON.parse(rolled.stdout) as RollbackJson;
    expect(report.keptChangedOutsideBackfill).to.deep.equal({ tracks: 3, sampleTrackIds: changed });
    expect(report.keptOverwrittenByJobs.tracks).to.equal(0);
  });
});
