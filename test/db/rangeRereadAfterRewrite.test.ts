import { expect } from 'chai';
import type pg from 'pg';
import { processRange } from '../../src/consumers/processRange.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createJob, markEnumerated, transitionJob } from '../../src/shared/ledger/jobs.js';
import { insertRanges } from '../../src/shared/ledger/ranges.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { waitFor } from '../helpers/waitFor.js';
import { openSession, silentLogger } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * An old analyzer rewrites a legacy blob after the range read it and before its write: the range's transaction
 * reads that chunk again and converts the blob as it now is, instead of failing the attempt and sending the
 * whole range to the retry queue — under a steady stream of rewrites a range retried from the start could use
 * up its attempts and fail the job.
 */
describe('a blob rewritten between the range read and its write', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('tm_range_reread');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'range reread test', max: 3 });
    await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at)
                      SELECT g, 'f' || g, '{"energy": 0.25, "danceability": 0.5}', now() FROM generate_series(1, 5) g`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('is converted as rewritten, in the same attempt: the range is done, every track from its committed blob', async () => {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 5, requestedBy: 'test' });
    await insertRanges(pool, job.id, [{ rangeId: 1, startId: 1, endId: 5, plannedRows: 5 }]);
    await transitionJob(pool, job.id, ['queued'], 'enumerating', 'test');
    await transitionJob(pool, job.id, ['enumerating'], 'running', 'test');
    await markEnumerated(pool, job.id);

    // The analyzer's rewrite of track 3 holds the row until it commits; the range reads the old blob meanwhile.
    const analyzer = await openSession(db.url, 'old analyzer');
    await analyzer.query('BEGIN');
    await analyzer.query(`UPDATE tracks SET analysis_data = '{"energy": 0.875, "danceability": 0.5}' WHERE id = 3`);
    let backend = 0;
    const outcome = processRange(pool, { v: 1, jobId: job.id, rangeId: 1, startId: 1, endId: 5 },
      { statementTimeoutMs: 30_000, chunkRows: 5_000, onBackend: (pid) => { backend = pid; } });
    await waitFor(async () => (await pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [backend])).rowCount === 1,
    { timeoutMs: 20_000, what: 'the range write waiting for track 3' });
    await analyzer.query('COMMIT');
    await analyzer.end();

    expect((await outcome).kind).to.equal('done');
    const { rows } = await pool.query<{ id: number; energy_level: number; history: number }>(
      `SELECT t.id, t.energy_level, h.results -> 'energy_level' AS history FROM tracks t
         JOIN analysis_history h ON h.track_id = t.id ORDER BY t.id`);
    expect(rows).to.deep.equal([
      { id: 1, energy_level: 0.25, history: 0.25 }, { id: 2, energy_level: 0.25, history: 0.25 },
      { id: 3, energy_level: 0.875, history: 0.875 },
      { id: 4, energy_level: 0.25, history: 0.25 }, { id: 5, energy_level: 0.25, history: 0.25 },
    ]);
    const { rows: [range] } = await pool.query<{ state: string }>('SELECT state FROM backfill_ranges WHERE job_id = $1', [job.id]);
    expect(range).to.deep.equal({ state: 'done' });
  });
});
