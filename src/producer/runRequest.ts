import type pg from 'pg';
import { PermanentError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { finishJobIfDone, getJob, markEnumerated, transitionJob, type JobRow } from '../shared/ledger/jobs.js';
import { insertRanges, lastPlannedRange, openRangeCount, rangesInStates, recentRangeDurations } from '../shared/ledger/ranges.js';
import { PLANNABLE_JOB_STATES } from '../shared/ledger/states.js';
import { fetchBuckets } from './enumerateIds.js';
import { adaptRangeSize, type RangeSizeBounds } from './adaptRangeSize.js';
import { planRanges, type PlanCursor } from './planRanges.js';
import { asOnlyPlanner } from './planningLock.js';
import type { RangePublisher } from '../shared/amqp/rangePublisher.js';

export interface RequestDeps {
  db: pg.Pool;
  /** Where a planner's session (holding the job's planning lock) is taken from; `db` when not given. */
  planners?: pg.Pool;
  publisher: RangePublisher;
  logger: Logger;
  onProgress?: (rangesPlanned: number) => Promise<void> | void;
  /** Called while planning waits — for the consumers or for another planner (the BullMQ worker keeps its lock meanwhile). */
  onWait?: () => Promise<void> | void;
  sizing: RangeSizeBounds;
  /** Open ranges (planned, not done) planning stays ahead of the consumers. */
  planningWindow: number;
}

const REPUBLISH_PAGE = 500;

function plannable(job: JobRow | undefined): boolean {
  return job !== undefined && PLANNABLE_JOB_STATES.includes(job.state);
}

/**
 * Carry out one backfill request: plan the job's ranges into the ledger and publish them.
 * Safe to run again after a crash at any point and to run twice at once (BullMQ re-runs a stalled request,
 * the keeper re-adds one Redis lost): one planner at a time holds the job, the cursor is the ledger's last
 * range, only ranges the ledger accepted are published, and only ranges not yet published are published.
 * `requestToken` (from the request) tells a request of this job from one of an earlier job with the same id.
 */
export async function runBackfillRequest(deps: RequestDeps, jobId: number, requestToken?: string): Promise<void> {
  const { db, logger } = deps;
  const job = await getJob(db, jobId);
  if (!job || (requestToken !== undefined && requestToken !== job.requestToken)) {
    logger.warn({ jobId }, 'request for a job the ledger does not hold (it was reset or restored since): nothing to do');
    return;
  }
  if (!plannable(job)) {
    logger.info({ jobId, state: job.state }, 'request for a stopped or finished job: nothing to do');
    return;
  }
  await asOnlyPlanner({ pool: deps.planners ?? db, logger, onWait: deps.onWait }, jobId,
    async () => plannable(await getJob(db, jobId)),
    (session) => planJob(deps, session, jobId));
}

/** The request's work, done as the job's only planner through `session` (which holds the planning lock). */
async function planJob(deps: RequestDeps, session: pg.PoolClient, jobId: number): Promise<void> {
  const { logger } = deps;
  // Read again as the only planner: a planner before this one may have finished or stopped the job.
  const job = await getJob(session, jobId);
  if (!job || !plannable(job)) return;
  await transitionJob(session, jobId, ['queued'], 'enumerating');
  const started = Date.now();

  const republished = await publishUnpublished(deps, jobId);
  if (republished > 0) logger.info({ jobId, ranges: republished }, 'published ranges a previous run planned but never got confirmed');

  if (!job.enumerationComplete) {
    if ((await planAndPublish(deps, session, job)) === 'stopped') {
      // A stopped job keeps its planning unfinished: the ranges planned so far are not the whole job.
      logger.info({ jobId }, 'job stopped during planning: no more ranges are planned');
      return;
    }
    if ((await markEnumerated(session, jobId)) === undefined) {
      if (!plannable(await getJob(session, jobId))) {
        logger.info({ jobId }, 'job stopped as its planning ended: its planning stays unfinished');
        return;
      }
      throw new PermanentError('plan_not_covering', `the ranges of job ${jobId} in the ledger do not cover its ids ${job.minId}..${job.maxId}`);
    }
  }
  await transitionJob(session, jobId, ['enumerating'], 'running');
  logger.info({ jobId, ranges: (await getJob(session, jobId))?.rangesTotal, ms: Date.now() - started }, 'job enumerated and published');
  await finishJobIfDone(session, jobId);
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

/** Ranges planned per keyset query; also how often the range size is re-decided. */
const BUCKETS_PER_CHUNK = 50;

/** Where planning goes on: right after the ledger's last range of the job, never a cursor kept in memory. */
async function ledgerCursor(session: pg.PoolClient, job: JobRow): Promise<PlanCursor> {
  const last = await lastPlannedRange(session, job.id);
  return last ? { nextStartId: last.endId + 1, nextRangeId: last.rangeId + 1 } : { nextStartId: job.minId ?? 1, nextRangeId: 1 };
}

/**
 * Continue the keyset walk after the ledger's last range until the ranges reach the job's max id.
 * Planning is paced: it stays at most `planningWindow` open ranges ahead of the consumers, and between
 * chunks the range size is adapted toward the target range duration from the latest ranges' durations.
 * A chunk the ledger refuses (it does not continue the ledger's last range) is neither published nor kept:
 * the cursor is read back from the ledger. Returns 'stopped' when the job stopped meanwhile.
 */
async function planAndPublish(deps: RequestDeps, session: pg.PoolClient, job: JobRow): Promise<'planned' | 'stopped'> {
  if (job.minId === null || job.maxId === null) return 'planned';
  const maxId = job.maxId;
  let cursor = await ledgerCursor(session, job);
  let rangeSize = job.rangeSize;
  // A size asked for explicitly on enqueue stays reachable even outside the configured bounds.
  const bounds = { ...deps.sizing, min: Math.min(deps.sizing.min, job.rangeSize), max: Math.max(deps.sizing.max, job.rangeSize) };
  while (cursor.nextStartId <= maxId) {
    const buckets = await fetchBuckets(session, cursor.nextStartId - 1, maxId, rangeSize, BUCKETS_PER_CHUNK);
    const lastChunk = buckets.reduce((n, b) => n + b.rows, 0) < rangeSize * BUCKETS_PER_CHUNK;
    const plan = planRanges(buckets, cursor, lastChunk ? maxId : undefined);
    const verdict = await insertRanges(session, job.id, plan.ranges);
    if (verdict === 'job_stopped') return 'stopped';
    if (verdict === 'ledger_moved_on') {
      deps.logger.warn({ jobId: job.id, fromRange: cursor.nextRangeId },
        'the ledger already holds ranges this planner was about to plan: they are not published; planning continues after the ledger\'s last range');
      cursor = await ledgerCursor(session, job);
      continue;
    }
    await deps.publisher.publish(job.id, plan.ranges);
    cursor = plan.cursor;
    await deps.onProgress?.(cursor.nextRangeId - 1);
    // Consumers can start as soon as the first ranges are out; the job is running while planning goes on.
    await transitionJob(session, job.id, ['enumerating'], 'running', 'fleet', 'first ranges published');
    if (lastChunk) break;
    if (!(await waitForWindow(deps, session, job.id))) return 'stopped';
    const next = adaptRangeSize(rangeSize, await recentRangeDurations(session, job.id), bounds);
    if (next !== rangeSize) deps.logger.info({ jobId: job.id, from: rangeSize, to: next, targetMs: deps.sizing.targetMs }, 'range size adapted');
    rangeSize = next;
  }
  return 'planned';
}

/** Wait while the job has more open ranges than the planning window; false when it was stopped meanwhile. */
async function waitForWindow(deps: RequestDeps, session: pg.PoolClient, jobId: number): Promise<boolean> {
  for (;;) {
    if (!plannable(await getJob(session, jobId))) return false;
    if ((await openRangeCount(session, jobId)) <= deps.planningWindow) return true;
    await deps.onWait?.();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
