import { expect } from 'chai';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createJob, markEnumerated } from '../../src/shared/ledger/jobs.js';
import { insertRanges, jobCounts, markRangeFailed } from '../../src/shared/ledger/ranges.js';
import { estimateProgress, estimateRowsRemaining } from '../../src/operations/status/eta.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { silentLogger } from './catalog.js';
import type pg from 'pg';
import { allMigrations } from '../../migrations/index.js';

/** The ledger's counts behind progress and ETA, on a job planned only part of the way (paced planning). */
describe('ledger: job counts for progress and ETA', function () {
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async function () {
    db = await createTestDatabase('tm_db_counts');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'test', max: 2 });
    await seedDemoTracks(pool, 10_000);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('reports how far planning got, so a job planned a window ahead does not look nearly done', async function () {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 500, requestedBy: 'test' });
    const { rows } = await pool.query<{ end_id: number; rows: number }>(
      `SELECT max(id)::float8 AS end_id, count(*)::float8 AS rows FROM (
         SELECT id FROM tracks WHERE analysis_data IS NOT NULL ORDER BY id LIMIT 1000) AS planned`);
    const firstThousand = rows[0] as { end_id: number; rows: number };
    const half = Math.floor(((job.minId as number) + firstThousand.end_id) / 2);
    const planned = [
      { rangeId: 1, startId: job.minId as number, endId: half, plannedRows: 0 },
      { rangeId: 2, startId: half + 1, endId: firstThousand.end_id, plannedRows: 0 },
    ];
    for (const range of planned) {
      const { rows: counted } = await pool.query<{ n: number }>(
        'SELECT count(*)::float8 AS n FROM tracks WHERE analysis_data IS NOT NULL AND id BETWEEN $1 AND $2', [range.startId, range.endId]);
      range.plannedRows = (counted[0] as { n: number }).n;
    }
    await insertRanges(pool, job.id, planned);
    await pool.query(`UPDATE backfill_ranges SET state = 'done' WHERE job_id = $1 AND range_id = 1`, [job.id]);

    const counts = await jobCounts(pool, job.id);
    expect(counts).to.include({ rangesTotal: 2, rangesDone: 1, plannedRows: firstThousand.rows,
      finishedRows: planned[0]?.plannedRows, plannedThroughId: firstThousand.end_id });
    const progress = { enumerationComplete: job.enumerationComplete, minId: job.minId, maxId: job.maxId, ...counts };
    const { rows: all } = await pool.query<{ n: number }>('SELECT count(*)::float8 AS n FROM tracks WHERE analysis_data IS NOT NULL');
    const withData = (all[0] as { n: number }).n;
    // Half the planned ranges are done, but only about a tenth of the job's rows: the estimate says so.
    expect(estimateProgress(progress)).to.be.closeTo((planned[0]?.plannedRows ?? 0) / withData, 0.02);
    expect(estimateRowsRemaining(progress)).to.be.closeTo(withData - (planned[0]?.plannedRows ?? 0), withData * 0.02);

    // Once enumeration is complete the planned ranges are the whole job: nothing is estimated any more.
    await markRangeFailed(pool, job.id, 2, 3, 'test');
    await markEnumerated(pool, job.id);
    const finished = await jobCounts(pool, job.id);
    expect(estimateRowsRemaining({ ...progress, ...finished, enumerationComplete: true })).to.equal(0);
    expect(estimateProgress({ ...progress, ...finished, enumerationComplete: true })).to.equal(1);
  });
});
