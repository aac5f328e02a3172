import { expect } from 'chai';
import type pg from 'pg';
import { WRITE_CONVERTED_SQL, WRITE_FIRST_SQL, WRITE_FRESH_SQL, blobMd5, type BlobRead, type ConvertedRow, type RowError } from '../../src/consumers/rangeWriter.js';
import { createLegacyConverter } from '../../src/shared/conversion/convert.js';
import type { ConvertedRecord } from '../../src/shared/conversion/types.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createJob } from '../../src/shared/ledger/jobs.js';
import { writeRange } from './rangeWrite.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { openSession, silentLogger } from './catalog.js';
import { waitFor } from '../helpers/waitFor.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * The range write against a real PostgreSQL: a range read with no analysis values is written without the
 * snapshot probe; either way, values another session writes while the write runs end up in the snapshot
 * (they are what a rollback must put back), never silently overwritten.
 */
describe('range write: history rows, track columns and rollback snapshots', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let jobId: number;
  const convert = createLegacyConverter({ analysisVersion: '2024.1', now: new Date('2026-01-01T00:00:00Z') });

  before(async () => {
    db = await createTestDatabase('tm_range_writer');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'range writer test', max: 2 });
    await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at)
                      SELECT g, 'f' || g, '{"energy": 0.25, "danceability": 0.5}', now() FROM generate_series(1, 9) g`);
    jobId = (await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' })).id;
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  const BLOB = '{"energy": 0.25, "danceability": 0.5}';
  /** Rows as a range read them; xmin 0 is never a row's, so the write checks the blob by its md5. */
  function rowsFor(ids: number[], hadValues: boolean, read: BlobRead = { xmin: '0', md5: blobMd5(BLOB) }): ConvertedRow[] {
    return ids.map((trackId) => {
      const outcome = convert(BLOB);
      if (outcome.outcome !== 'converted') throw new Error('the sample blob must convert');
      return { trackId, record: outcome.record as ConvertedRecord, hadValues, read };
    });
  }

  const write = (rows: ConvertedRow[]) => writeRange(pool, jobId, rows);

  /** Another session changes a track and holds its row lock until the write waits for it, then commits. */
  async function writeWhileAnotherSessionCommits(rows: ConvertedRow[], change: string): Promise<{ written: number; errors: RowError[] }> {
    const other = await openSession(db.url, 'concurrent writer');
    try {
      await other.query('BEGIN');
      await other.query(change);
      const writing = write(rows);
      await waitForALockWait();
      await other.query('COMMIT');
      return await writing;
    } finally {
      await other.end();
    }
  }

  async function waitForALockWait(): Promise<void> {
    await waitFor(async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.name]);
      return (rows[0]?.n ?? 0) > 0;
    }, { what: 'the write to wait for the row lock', timeoutMs: 5_000, intervalMs: 25 });
  }

  const snapshots = async () => (await pool.query<{ track_id: number; previous: Record<string, unknown> }>(
    'SELECT track_id::int, previous FROM backfill_track_snapshots WHERE job_id = $1 ORDER BY track_id', [jobId])).rows;

  it('writes tracks that had no values without snapshots, once', async () => {
    expect(await write(rowsFor([1, 2], false))).to.deep.equal({ written: 2, errors: [] });
    const { rows } = await pool.query('SELECT id, energy_level, analysis_version FROM tracks WHERE id IN (1, 2) ORDER BY id');
    expect(rows).to.deep.equal([{ id: 1, energy_level: 0.25, analysis_version: '2024.1' }, { id: 2, energy_level: 0.25, analysis_version: '2024.1' }]);
    expect(await snapshots()).to.deep.equal([]);
    expect(await write(rowsFor([1, 2], false)), 'a second write of the same range').to.deep.equal({ written: 0, errors: [] });
  });

  it('snapshots a track that got values after its range was read (read said none), and overwrites it', async () => {
    // Another writer set values on track 4 after the range was read: the read's hadValues=false is stale.
    await pool.query(`UPDATE tracks SET energy_level = 0.9, analysis_version = 'other' WHERE id = 4`);
    expect(await write(rowsFor([3, 4], false))).to.deep.equal({ written: 2, errors: [] });
    const snaps = await snapshots();
    expect(snaps.map((s) => s.track_id)).to.deep.equal([4]);
    expect(snaps[0]?.previous).to.include({ energy_level: 0.9, analysis_version: 'other', valence: null });
    const { rows } = await pool.query('SELECT id, energy_level, analysis_version FROM tracks WHERE id IN (3, 4) ORDER BY id');
    expect(rows).to.deep.equal([{ id: 3, energy_level: 0.25, analysis_version: '2024.1' }, { id: 4, energy_level: 0.25, analysis_version: '2024.1' }]);
    const history = await pool.query('SELECT count(*)::int AS n FROM analysis_history WHERE track_id IN (3, 4)');
    expect(history.rows[0]).to.deep.equal({ n: 2 });
  });

  it('snapshots the tracks the read saw with values', async () => {
    await pool.query(`UPDATE tracks SET danceability = 0.1 WHERE id = 6`);
    expect(await write(rowsFor([5, 6], true))).to.deep.equal({ written: 2, errors: [] });
    const snaps = await snapshots();
    expect(snaps.map((s) => s.track_id)).to.deep.equal([4, 6]);
    expect(snaps[1]?.previous).to.include({ danceability: 0.1, energy_level: null });
  });

  it('a track that gets values from another session while the probe-less write waits for it: snapshotted', async () => {
    const result = await writeWhileAnotherSessionCommits(rowsFor([7], false), `UPDATE tracks SET energy_level = 0.6 WHERE id = 7`);
    expect(result).to.deep.equal({ written: 1, errors: [] });
    const snap = (await snapshots()).find((s) => s.track_id === 7);
    expect(snap?.previous).to.include({ energy_level: 0.6, danceability: null });
    const { rows } = await pool.query('SELECT energy_level FROM tracks WHERE id = 7');
    expect(rows).to.deep.equal([{ energy_level: 0.25 }]);
  });

  it('a track another session changes between the probe and the UPDATE: snapshotted with that change', async () => {
    await pool.query(`UPDATE tracks SET energy_level = 0.3 WHERE id IN (8, 9)`);
    const result = await writeWhileAnotherSessionCommits(rowsFor([8, 9], true), `UPDATE tracks SET danceability = 0.7 WHERE id = 9`);
    expect(result).to.deep.equal({ written: 2, errors: [] });
    const snaps = (await snapshots()).filter((s) => s.track_id >= 8);
    expect(snaps.map((s) => s.track_id)).to.deep.equal([8, 9]);
    expect(snaps[0]?.previous).to.include({ energy_level: 0.3, danceability: null });
    expect(snaps[1]?.previous).to.include({ energy_level: 0.3, danceability: 0.7 });
    const { rows } = await pool.query('SELECT id, energy_level, danceability FROM tracks WHERE id IN (8, 9) ORDER BY id');
    expect(rows).to.deep.equal([{ id: 8, energy_level: 0.25, danceability: 0.5 }, { id: 9, energy_level: 0.25, danceability: 0.5 }]);
  });

  it('a track with a history row for the version but no values: the plain insert is refused, the range written without it', async () => {
    // Track 10: history for 2024.1 but its columns empty (say, put back by hand); track 11 is new.
    await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at) VALUES (10, 'f10', '{}', now()), (11, 'f11', '{}', now())`);
    await pool.query(`INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results, created_by)
                      VALUES (10, 'full_analysis', '2024.1', '{}', 'earlier')`);
    expect(await write(rowsFor([10, 11], false, { xmin: '0', md5: blobMd5('{}') }))).to.deep.equal({ written: 1, errors: [] });
    const { rows } = await pool.query(`SELECT track_id, created_by FROM analysis_history WHERE track_id IN (10, 11) ORDER BY track_id`);
    expect(rows).to.deep.equal([{ track_id: 10, created_by: 'earlier' }, { track_id: 11, created_by: `backfill:${jobId}` }]);
    const tracks = await pool.query('SELECT id, energy_level FROM tracks WHERE id IN (10, 11) ORDER BY id');
    expect(tracks.rows).to.deep.equal([{ id: 10, energy_level: null }, { id: 11, energy_level: 0.25 }]);
  });

  it('plans no nested loop that rescans a CTE per row (a first form of the snapshot write did: 9x slower)', async () => {
    // Plans follow the table's statistics: give it a library's size, most tracks with values (a second backfill,
    // where the probe-less write's "no values yet" filter looks selective to the planner).
    await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at, energy_level)
                      SELECT g, 'f' || g, '{}', now(), 0.5 FROM generate_series(1000, 200999) g`);
    await pool.query('ANALYZE tracks');
    const array = JSON.stringify(rowsFor([1, 2, 3], false).map((r) => ({ t: r.trackId, r: r.record })));
    const forms: [string, string, unknown[]][] = [
      ['without the probe, plain insert', WRITE_FRESH_SQL, [array, '2024.2', 0, 'test', [1, 2, 3]]],
      ['without the probe', WRITE_FIRST_SQL, [array, '2024.2', 0, 'test', [1, 2, 3]]],
      ['with the probe', WRITE_CONVERTED_SQL, [array, '2024.2', 0, 'test', [1, 2, 3], jobId]],
    ];
    for (const [name, sql, params] of forms) {
      const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const plan = rows[0]?.['QUERY PLAN'][0].Plan;
      expect(plan, name).to.not.equal(undefined);
      expect(cteRescans(plan as PlanNode), name).to.deep.equal([]);
    }
  });
});

interface PlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'CTE Name'?: string;
  Plans?: PlanNode[];
}

/** CTEs scanned as the inner side of a nested loop: read again for every outer row. */
function cteRescans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Nested Loop'
    ? (node.Plans ?? []).filter((c) => c['Parent Relationship'] === 'Inner' && c['Node Type'] === 'CTE Scan').map((c) => c['CTE Name'] ?? '?')
    : [];
  return [...own, ...(node.Plans ?? []).flatMap(cteRescans)];
}
