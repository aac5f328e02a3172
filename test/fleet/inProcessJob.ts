import { expect } from 'chai';
import type pg from 'pg';
import { processRange } from '../../src/consumers/processRange.js';
import { createJob, finishJobIfDone, markEnumerated, transitionJob } from '../../src/shared/ledger/jobs.js';
import { insertRanges, type PlannedRange } from '../../src/shared/ledger/ranges.js';

/**
 * A whole backfill job run in this process through the real range transaction (processRange), without a
 * producer, broker or coordinator: for tests about what a job leaves in the database, not about the fleet.
 * Ranges are cut every `rangeSize` ids over the job's frozen bounds.
 */
export async function runJobInProcess(pool: pg.Pool, job: { analysisVersion: string; rangeSize: number; toId?: number }): Promise<number> {
  const created = await createJob(pool, { analysisVersion: job.analysisVersion, rangeSize: job.rangeSize, toId: job.toId, requestedBy: 'test' });
  if (created.minId === null || created.maxId === null) throw new Error('the job found no legacy tracks');
  const ranges: PlannedRange[] = [];
  for (let startId = created.minId; startId <= created.maxId; startId += job.rangeSize) {
    ranges.push({ rangeId: ranges.length + 1, startId, endId: Math.min(created.maxId, startId + job.rangeSize - 1), plannedRows: job.rangeSize });
  }
  await insertRanges(pool, created.id, ranges);
  await transitionJob(pool, created.id, ['queued'], 'enumerating', 'test');
  await transitionJob(pool, created.id, ['enumerating'], 'running', 'test');
  await markEnumerated(pool, created.id);
  for (const range of ranges) {
    const outcome = await processRange(pool, { v: 1, jobId: created.id, rangeId: range.rangeId, startId: range.startId, endId: range.endId },
      { statementTimeoutMs: 60_000, chunkRows: 5_000 });
    expect(outcome.kind, `range ${range.rangeId} of job ${created.id}`).to.equal('done');
  }
  expect(await finishJobIfDone(pool, created.id)).to.equal('completed');
  return created.id;
}
