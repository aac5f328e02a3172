import { expect } from 'chai';
import type pg from 'pg';
import { blobMd5, type BlobRead, type ConvertedRow, type RowError } from '../../src/consumers/rangeWriter.js';
import { createLegacyConverter } from '../../src/shared/conversion/convert.js';
import type { ConvertedRecord } from '../../src/shared/conversion/types.js';
import { TransientError } from '../../src/shared/errors.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createJob } from '../../src/shared/ledger/jobs.js';
import { writeRange } from './rangeWrite.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { waitFor } from '../helpers/waitFor.js';
import { openSession, silentLogger } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * The range write while the application writes the same rows: a track it deletes is simply not converted (no
 * history row, no error, the rest of the range written); a blob it rewrites after the range read it is never
 * overwritten with values converted from the old blob; a change of another column does not stop the write.
 */
describe('range write under the application\'s writes', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let jobId: number;
  const BLOB = '{"energy": 0.25, "danceability": 0.5}';
  const convert = createLegacyConverter({ analysisVersion: '2024.1', now: new Date('2026-01-01T00:00:00Z') });

  before(async () => {
    db = await createTestDatabase('tm_range_app_writes');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'range writer app writes test', max: 2 });
    await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at)
                      SELECT g, 'f' || g, $1, now() FROM generate_series(1, 20) g`, [BLOB]);
    jobId = (await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' })).id;
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** The rows as a range read reads them now: the row version and the blob's md5. */
  async function readRows(ids: number[], hadValues = false): Promise<ConvertedRow[]> {
    const { rows } = await pool.query<{ id: number; analysis_data: string; xmin: string }>(
      'SELECT id, analysis_data, xmin::text AS xmin FROM tracks WHERE id = ANY($1::int[]) ORDER BY id', [ids]);
    return rows.map((row) => {
      const outcome = convert(row.analysis_data);
      if (outcome.outcome !== 'converted') throw new Error('the sample blob must convert');
      const read: BlobRead = { xmin: row.xmin, md5: blobMd5(row.analysis_data) };
      return { trackId: row.id, record: outcome.record as ConvertedRecord, hadValues, read };
    });
  }

  const write = (rows: ConvertedRow[]) => writeRange(pool, jobId, rows);

  /** Another session runs `statements` in a transaction and commits once the write waits for its row lock. */
  async function writeWhileAnotherSessionCommits(rows: ConvertedRow[], statements: string[]): Promise<{ written: number; errors: RowError[] }> {
    const other = await openSession(db.url, 'application');
    try {
      await other.query('BEGIN');
      for (const sql of statements) await other.query(sql);
      const writing = write(rows);
      await waitFor(async () => {
        const { rows: waiting } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.name]);
        return (waiting[0]?.n ?? 0) > 0;
      }, { what: 'the write to wait for the row lock', timeoutMs: 5_000, intervalMs: 25 });
      await other.query('COMMIT');
      return await writing;
    } finally {
      await other.end();
    }
  }

  const historyOf = async (ids: number[]): Promise<number[]> => (await pool.query<{ track_id: number }>(
    'SELECT track_id::int FROM analysis_history WHERE track_id = ANY($1::int[]) ORDER BY track_id', [ids])).rows.map((r) => r.track_id);

  it('a track deleted after the read, while the write waits for it: not converted, no error, the rest written', async () => {
    const rows = await readRows([1, 2, 3]);
    // The application's delete: lock the track, delete its history rows, then the track.
    const result = await writeWhileAnotherSessionCommits(rows,
      ['SELECT 1 FROM tracks WHERE id = 2 FOR UPDATE', 'DELETE FROM analysis_history WHERE track_id = 2', 'DELETE FROM tracks WHERE id = 2']);
    expect(result).to.deep.equal({ written: 2, errors: [] });
    expect(await historyOf([1, 2, 3])).to.deep.equal([1, 3]);
  });

  it('a track deleted after the read and before the write: not converted, no error', async () => {
    const rows = await readRows([4, 5]);
    await pool.query('DELETE FROM tracks WHERE id = 5');
    expect(await write(rows)).to.deep.equal({ written: 1, errors: [] });
    expect(await historyOf([4, 5])).to.deep.equal([4]);
  });

  it('a track whose other column the application changed since the read: written (its blob is the one read)', async () => {
    const rows = await readRows([6, 7]);
    await pool.query(`UPDATE tracks SET file_path = 'renamed' WHERE id = 7`);
    expect(await write(rows)).to.deep.equal({ written: 2, errors: [] });
    expect(await historyOf([6, 7])).to.deep.equal([6, 7]);
  });

  it('a track another session changes while the write waits for it, blob unchanged: written', async () => {
    const rows = await readRows([8, 9]);
    const result = await writeWhileAnotherSessionCommits(rows, [`UPDATE tracks SET file_path = 'moved' WHERE id = 9`]);
    expect(result).to.deep.equal({ written: 2, errors: [] });
  });

  it('a blob rewritten after the read: never overwritten with values of the old blob; the range is retried', async () => {
    const rows = await readRows([10, 11]);
    await pool.query(`UPDATE tracks SET analysis_data = '{"energy": 0.75}' WHERE id = 11`);
    let failure: unknown;
    await write(rows).catch((err: unknown) => { failure = err; });
    expect(failure).to.be.instanceOf(TransientError);
    expect((failure as TransientError).code).to.equal('write_contended');
    expect(await historyOf([10, 11]), 'nothing of the range written').to.deep.equal([]);
    const { rows: tracks } = await pool.query('SELECT energy_level FROM tracks WHERE id = 11');
    expect(tracks).to.deep.equal([{ energy_level: null }]);
    // Read again (as the retried range does), it converts the new blob.
    expect(await write(await readRows([10, 11]))).to.deep.equal({ written: 2, errors: [] });
    const { rows: after } = await pool.query('SELECT energy_level FROM tracks WHERE id = 11');
    expect(after).to.deep.equal([{ energy_level: 0.75 }]);
  });

  it('a blob rewritten while the write waits for the row: not overwritten with the old blob\'s values', async () => {
    const rows = await readRows([12]);
    let failure: unknown;
    await writeWhileAnotherSessionCommits(rows, [`UPDATE tracks SET analysis_data = '{"energy": 0.5}' WHERE id = 12`])
      .catch((err: unknown) => { failure = err; });
    expect(failure).to.be.instanceOf(TransientError);
    expect(await historyOf([12])).to.deep.equal([]);
  });
});

/**
 * In a library whose encoding is not UTF8, the blob check must hash the same bytes the range read hashed: a row
 * another column of which changed since the read (its xmin moved) is still written when its blob is the same.
 */
describe('range write in a LATIN1 library', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  const BLOB = '{"energy": 0.25, "danceability": 0.5, "genre": "électro à l\'été"}';
  const convert = createLegacyConverter({ analysisVersion: '2024.1', now: new Date('2026-01-01T00:00:00Z') });

  before(async () => {
    db = await createTestDatabase('tm_range_latin1', { encoding: 'LATIN1' });
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'range writer latin1 test', max: 2 });
    await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at) VALUES (1, 'f1', $1, now())`, [BLOB]);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('a track whose other column changed since the read, with a non-ASCII blob: written', async () => {
    const jobId = (await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' })).id;
    const { rows } = await pool.query<{ analysis_data: string; xmin: string }>('SELECT analysis_data, xmin::text AS xmin FROM tracks WHERE id = 1');
    const row = rows[0]!;
    expect(row.analysis_data).to.equal(BLOB);
    const outcome = convert(row.analysis_data);
    if (outcome.outcome !== 'converted') throw new Error('the sample blob must convert');
    await pool.query(`UPDATE tracks SET file_path = 'renamed' WHERE id = 1`);
    const result = await writeRange(pool, jobId, [{ trackId: 1, record: outcome.record as ConvertedRecord, hadValues: false,
      read: { xmin: row.xmin, md5: blobMd5(row.analysis_data) } }]);
    expect(result.written).to.equal(1);
  });
});
