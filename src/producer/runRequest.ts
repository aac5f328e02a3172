import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import { finishJobIfDone, getJob, markEnumerated, transitionJob, FINAL_JOB_STATES } from '../shared/ledger/jobs.js';
import { insertRanges, lastPlannedRange, rangesInStates } from '../shared/ledger/ranges.js';
import { enumerateBuckets } from './enumerateIds.js';
import { planRanges } from './planRanges.js';
import type { RangePublisher } from './rangePublisher.js';

export interface RequestDeps {
  db: pg.Pool;
  publisher: RangePublisher;
  logger: Logger;
  onProgress?: (rangesPlanned: number) => Promise<void> | void;
}

const REPUBLISH_PAGE = 500;

/**
 * Carry out one backfill request: plan the job's ranges into the ledger and publish them.
 * Safe to run again after a crash at any point (BullMQ re-runs a stalled request): ranges already
 * planned are not planned again, and only ranges not yet published are published.
 */
export async function runBackfillRequest(deps: RequestDeps, jobId: number): Promise<void> {
  const { db, logger } = deps;
  const job = await getJob(db, jobId);
  if (!job) throw new Error(`backfill job ${jobId} is not in the ledger`);
  if (FINAL_JOB_STATES.includes(job.state) || job.state === 'cancelling') {
    logger.info({ jobId, state: job.state }, 'request for a finished job: nothing to do');
    return;
  }
  await transitionJob(db, jobId, ['queued'], 'enumerating');
  const started = Date.now();

  const republished = await publishUnpublished(deps, jobId);
  if (republished > 0) logger.info({ jobId, ranges: republished }, 'published ranges a previous run planned but never got confirmed');

  let planned = job.enumerationComplete ? job.rangesTotal : await planAndPublish(deps, jobId);
  if (!job.enumerationComplete) await markEnumerated(db, jobId, planned);
  else planned = job.rangesTotal;

  await transitionJob(db, jobId, ['enumerating'], 'running');
  logger.info({ jobId, ranges: planned, ms: Date.now() - started }, 'job enumerated and published');
  await finishJobIfDone(db, jobId);
}

async function publishUnpublished(deps: RequestDeps, jobId: number): Promise<number> {
  let after = 0;
  let count = 0;
  for (;;) {
    const pending = await rangesInStates(deps.db, jobId, ['pending'], after, REPUBLISH_PAGE);
    if (pending.length === 0) return count;
    await deps.publisher.publish(jobId, pending);
    count += pending.length;
    after = (pending[pending.length - 1] as { rangeId: number }).rangeId;
  }
}

/** Continue the keyset walk after the last planned range; returns the total number of ranges of the job. */
async function planAndPublish(deps: RequestDeps, jobId: number): Promise<number> {
  const job = await getJob(deps.db, jobId);
  if (!job || job.minId === null || job.maxId === null) return 0;
  const last = await lastPlannedRange(deps.db, jobId);
  let cursor = last
    ? { nextStartId: last.endId + 1, nextRangeId: last.rangeId + 1 }
    : { nextStartId: job.minId, nextRangeId: 1 };
  for await (const buckets of enumerateBuckets(deps.db, cursor.nextStartId - 1, job.maxId, job.rangeSize)) {
    const current = await getJob(deps.db, jobId);
    if (current && (current.state === 'cancelling' || current.state === 'cancelled')) {
      deps.logger.info({ jobId }, 'job cancelled during enumeration: no more ranges are planned');
      return cursor.nextRangeId - 1;
    }
    const plan = planRanges(buckets, cursor);
    await insertRanges(deps.db, jobId, plan.ranges);
    await deps.publisher.publish(jobId, plan.ranges);
    cursor = plan.cursor;
    await deps.onProgress?.(cursor.nextRangeId - 1);
  }
  return cursor.nextRangeId - 1;
}
