import { expect } from 'chai';
import type pg from 'pg';
import { blobMd5, writeConverted, type ConvertedRow, type RowError } from '../../src/consumers/rangeWriter.js';
import { legacyTracksBeyondBounds, tracksChangedAfterConversion } from '../../src/operations/finalizeChecks.js';
import { createLegacyConverter } from '../../src/shared/conversion/convert.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createJob } from '../../src/shared/ledger/jobs.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { silentLogger } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * What `backfill finalize` finds beside the job's own tracks, against a real PostgreSQL: legacy tracks beyond
 * the job's bounds (both sides, or everything for a job without bounds) with the commands that convert them, and
 * tracks whose blob was rewritten after their conversion — only those whose blob now converts differently.
 */
describe('finalize: tracks beyond the bounds and blobs changed after conversion', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  const BLOB = '{"energy": 0.25, "danceability": 0.5}';

  before(async () => {
    db = await createTestDatabase('tm_finalize_checks');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'finalize checks test', max: 2 });
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  const insertTracks = (ids: number[]) => pool.query(
    `INSERT INTO tracks (id, file_path, analysis_data, created_at) SELECT g, 'f' || g, $2, now() FROM unnest($1::int[]) g`, [ids, BLOB]);

  it('a job enqueued on an empty library: every legacy track is beyond its bounds, one command without bounds', async () => {
    const job = await createJob(pool, { analysisVersion: "v 1'x", rangeSize: 100, requestedBy: 'test' });
    expect([job.minId, job.maxId]).to.deep.equal([null, null]);
    await insertTracks([7, 8]);
    expect(await legacyTracksBeyondBounds(pool, job)).to.deep.equal({
      count: 2, sampleTrackIds: [7, 8], commands: [`tracktion-migrate backfill enqueue --analysis-version 'v 1'\\''x'`],
    });
    await pool.query('DELETE FROM tracks');
  });

  it('tracks below and above the bounds: one command per side; tracks without legacy data or with history do not count', async () => {
    await insertTracks([100, 150, 200]);
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' });
    await insertTracks([5, 6, 300, 301]);
    await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at) VALUES (400, 'no data', NULL, now())`);
    await pool.query(`INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results, created_by)
                      VALUES (301, 'full_analysis', '2024.1', '{}', 'elsewhere')`);
    expect(await legacyTracksBeyondBounds(pool, job)).to.deep.equal({
      count: 3, sampleTrackIds: [5, 6, 300],
      commands: [
        'tracktion-migrate backfill enqueue --analysis-version 2024.1 --from-id 5 --to-id 99',
        'tracktion-migrate backfill enqueue --analysis-version 2024.1 --from-id 201',
      ],
    });
    await pool.query('DELETE FROM analysis_history');
    await pool.query('DELETE FROM tracks');
  });

  it('only tracks whose current blob converts to other values than stored count as changed', async () => {
    await insertTracks([1, 2, 3, 4, 5]);
    const version = 'abcdefghijklmnopqrst';
    const job = await createJob(pool, { analysisVersion: version, rangeSize: 100, requestedBy: 'test' });
    const convert = createLegacyConverter({ analysisVersion: version, now: new Date() });
    const { rows: read } = await pool.query<{ id: number; xmin: string }>('SELECT id, xmin::text AS xmin FROM tracks ORDER BY id');
    const rows: ConvertedRow[] = read.map((r) => {
      const outcome = convert(BLOB);
      if (outcome.outcome !== 'converted') throw new Error('the sample blob must convert');
      return { trackId: r.id, record: outcome.record, hadValues: false, read: { xmin: r.xmin, md5: blobMd5(BLOB) } };
    });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const errors: RowError[] = [];
      expect(await writeConverted(client, rows, { jobId: job.id, rangeId: 1, analysisVersion: version, createdBy: 'test', processingTimeMs: 0 }, errors)).to.equal(5);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await tracksChangedAfterConversion(pool, job), 'nothing changed yet').to.deep.equal({ count: 0, sampleTrackIds: [], command: null });
    await pool.query(`UPDATE tracks SET analysis_data = '{"energy": 0.9}' WHERE id = 2`); // converts differently
    await pool.query(`UPDATE tracks SET analysis_data = '{"danceability": 0.5, "energy": 0.25}' WHERE id = 3`); // the same values
    await pool.query(`UPDATE tracks SET file_path = 'renamed' WHERE id = 4`); // another column
    await pool.query(`UPDATE tracks SET analysis_data = 'not json' WHERE id = 5`); // no longer converts
    expect(await tracksChangedAfterConversion(pool, job)).to.deep.equal({
      count: 2, sampleTrackIds: [2, 5],
      command: `tracktion-migrate backfill enqueue --analysis-version ${version.slice(0, 20 - `-r${job.id}`.length)}-r${job.id} --from-id 2 --to-id 5`,
    });
  });
});
