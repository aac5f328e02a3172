import { expect } from 'chai';
import type pg from 'pg';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createJob, finishJobIfDone, getJob, markEnumerated, reopenUncoveredPlanning, transitionJob, type JobRow } from '../../src/shared/ledger/jobs.js';
import { insertRanges } from '../../src/shared/ledger/ranges.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { silentLogger } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/** The ledger decides completion: a job whose ranges leave ids of its bounds uncovered is never completed. */
describe('ledger: completion needs ranges covering the job\'s bounds', function () {
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('tm_db_planning');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'test', max: 2 });
    await seedDemoTracks(pool, 2000);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** A running job whose planning is marked complete, with these ranges, every one of them done. */
  async function jobWithDoneRanges(bounds: (job: JobRow) => Array<[number, number]>): Promise<JobRow> {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 500, requestedBy: 'test' });
    const ranges = bounds(job);
    await pool.query(
      `INSERT INTO backfill_ranges (job_id, range_id, start_id, end_id, planned_rows, state, converted, failed, skipped)
       SELECT $1, r.ord, r.start_id, r.end_id, 0, 'done', 0, 0, 0
         FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(start_id, end_id, ord)`,
      [job.id, ranges.map((r) => r[0]), ranges.map((r) => r[1])]);
    await pool.query(`UPDATE backfill_jobs SET state = 'running', enumeration_complete = true, ranges_total = $2 WHERE id = $1`, [job.id, ranges.length]);
    return job;
  }

  const bounds = (job: JobRow): { min: number; max: number; mid: number } =>
    ({ min: job.minId as number, max: job.maxId as number, mid: Math.floor(((job.minId as number) + (job.maxId as number)) / 2) });

  it('refuses a job with a gap between two ranges', async () => {
    const job = await jobWithDoneRanges((j) => { const b = bounds(j); return [[b.min, b.mid], [b.mid + 100, b.max]]; });
    expect(await finishJobIfDone(pool, job.id)).to.equal(undefined);
    expect((await getJob(pool, job.id))?.state).to.equal('running');
  });

  it('refuses a job whose ranges stop before its max id', async () => {
    const job = await jobWithDoneRanges((j) => { const b = bounds(j); return [[b.min, b.mid], [b.mid + 1, b.max - 1]]; });
    expect(await finishJobIfDone(pool, job.id)).to.equal(undefined);
    expect((await getJob(pool, job.id))?.state).to.equal('running');
  });

  it('refuses a job whose first range starts after its min id', async () => {
    const job = await jobWithDoneRanges((j) => { const b = bounds(j); return [[b.min + 1, b.mid], [b.mid + 1, b.max]]; });
    expect(await finishJobIfDone(pool, job.id)).to.equal(undefined);
    expect((await getJob(pool, job.id))?.state).to.equal('running');
  });

  it('completes a job whose ranges tile its bounds', async () => {
    const job = await jobWithDoneRanges((j) => { const b = bounds(j); return [[b.min, b.mid], [b.mid + 1, b.max]]; });
    expect(await finishJobIfDone(pool, job.id)).to.equal('completed');
  });
});

/** One planner per job: the ledger accepts only a chunk that continues exactly after its last range. */
describe('ledger: planned ranges are accepted only where the ledger\'s plan ends', function () {
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('tm_db_plan_insert');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    pool = createPool(db.url, { applicationName: 'test', max: 3 });
    await seedDemoTracks(pool, 500);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('accepts the continuation, refuses a chunk planned from a stale cursor and one for a stopped job', async () => {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' });
    const min = job.minId as number;
    const max = job.maxId as number;
    expect(await insertRanges(pool, job.id, [{ rangeId: 1, startId: min + 1, endId: min + 10, plannedRows: 1 }]), 'not at the min id').to.equal('ledger_moved_on');
    expect(await insertRanges(pool, job.id, [{ rangeId: 1, startId: min, endId: min + 10, plannedRows: 1 }])).to.equal('accepted');
    // A second planner that read the cursor before range 1 was written, and one that skips ids.
    expect(await insertRanges(pool, job.id, [{ rangeId: 1, startId: min, endId: min + 20, plannedRows: 1 }])).to.equal('ledger_moved_on');
    expect(await insertRanges(pool, job.id, [{ rangeId: 2, startId: min + 12, endId: min + 20, plannedRows: 1 }])).to.equal('ledger_moved_on');
    expect(await insertRanges(pool, job.id, [{ rangeId: 3, startId: min + 11, endId: min + 20, plannedRows: 1 }])).to.equal('ledger_moved_on');
    expect(await markEnumerated(pool, job.id), 'planning cannot be complete with ids left').to.equal(undefined);
    expect(await insertRanges(pool, job.id, [{ rangeId: 2, startId: min + 11, endId: max, plannedRows: 1 }])).to.equal('accepted');
    expect(await markEnumerated(pool, job.id), 'ranges_total is the ledger\'s count').to.equal(2);

    const stopped = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' });
    await transitionJob(pool, stopped.id, ['queued'], 'cancelling', 'test');
    await transitionJob(pool, stopped.id, ['cancelling'], 'cancelled', 'test');
    expect(await insertRanges(pool, stopped.id, [{ rangeId: 1, startId: min, endId: max, plannedRows: 1 }])).to.equal('job_stopped');
  });

  it('keeps the planning of a job stopped once its ranges are all in unfinished', async () => {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' });
    expect(await insertRanges(pool, job.id, [{ rangeId: 1, startId: job.minId as number, endId: job.maxId as number, plannedRows: 1 }])).to.equal('accepted');
    await transitionJob(pool, job.id, ['queued'], 'cancelling', 'test');
    expect(await markEnumerated(pool, job.id)).to.equal(undefined);
    const after = await getJob(pool, job.id);
    expect([after?.enumerationComplete, after?.rangesTotal]).to.deep.equal([false, 0]);
  });

  it('refuses a move the state machine does not allow, and changes nothing', async () => {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' });
    const refused = await transitionJob(pool, job.id, ['queued'], 'completed', 'test').catch((e: unknown) => e);
    expect(refused).to.include({ code: 'illegal_transition' });
    expect((await getJob(pool, job.id))?.state).to.equal('queued');
  });

  it('lets exactly one of two planners racing with the same chunk in', async () => {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' });
    const min = job.minId as number;
    const verdicts = await Promise.all([
      insertRanges(pool, job.id, [{ rangeId: 1, startId: min, endId: min + 10, plannedRows: 1 }]),
      insertRanges(pool, job.id, [{ rangeId: 1, startId: min, endId: min + 30, plannedRows: 1 }]),
    ]);
    expect([...verdicts].sort()).to.deep.equal(['accepted', 'ledger_moved_on']);
  });

  it('reopens planning of a job marked fully planned whose ranges stop short, and leaves a covered one alone', async () => {
    const job = await createJob(pool, { analysisVersion: '2024.1', rangeSize: 100, requestedBy: 'test' });
    const min = job.minId as number;
    await insertRanges(pool, job.id, [{ rangeId: 1, startId: min, endId: min + 10, plannedRows: 1 }]);
    await pool.query(`UPDATE backfill_ranges SET state = 'done' WHERE job_id = $1`, [job.id]);
    await pool.query(`UPDATE backfill_jobs SET state = 'running', enumeration_complete = true WHERE id = $1`, [job.id]);
    expect(await finishJobIfDone(pool, job.id)).to.equal(undefined);
    expect(await reopenUncoveredPlanning(pool, job.id)).to.equal(true);
    expect((await getJob(pool, job.id))?.enumerationComplete).to.equal(false);

    await insertRanges(pool, job.id, [{ rangeId: 2, startId: min + 11, endId: job.maxId as number, plannedRows: 1 }]);
    await markEnumerated(pool, job.id);
    expect(await reopenUncoveredPlanning(pool, job.id)).to.equal(false);
  });
});
