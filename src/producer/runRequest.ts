import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import { finishJobIfDone, getJob, markEnumerated, transitionJob, FINAL_JOB_STATES } from '../shared/ledger/jobs.js';
import { insertRanges, lastPlannedRange, rangesInStates } from '../shared/ledger/ranges.js';
import { fetchBuckets } from './enumerateIds.js';
import { adaptRangeSize, type RangeSizeBounds } from './adaptRangeSize.js';
import { planRanges } from './planRanges.js';
import type { RangePublisher } from './rangePublisher.js';

export interface RequestDeps {
  db: pg.Pool;
  publisher: RangePublisher;
  logger: Logger;
  onProgress?: (rangesPlanned: number) => Promise<void> | void;
  /** Called while planning waits for the consumers (the BullMQ worker keeps its lock meanwhile). */
  onWait?: () => Promise<void> | void;
  sizing: RangeSizeBounds;
  /** Open ranges (planned, not done) planning stays ahead of the consumers. */
  planningWindow: number;
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

/** Ranges planned per keyset query; also how often the range size is re-decided. */
const BUCKETS_PER_CHUNK = 50;

/**
 * Continue the keyset walk after the last planned range; returns the total number of ranges of the job.
 * Planning is paced: it stays at most `planningWindow` open ranges ahead of the consumers, and between
 * chunks the range size is adapted toward the target range duration from the latest ranges' durations.
 */
async function planAndPublish(deps: RequestDeps, jobId: number): Promise<number> {
  const job = await getJob(deps.db, jobId);
  if (!job || job.minId === null || job.maxId === null) return 0;
  const last = await lastPlannedRange(deps.db, jobId);
  let cursor = last
    ? { nextStartId: last.endId + 1, nextRangeId: last.rangeId + 1 }
    : { nextStartId: job.minId, nextRangeId: 1 };
  let rangeSize = job.rangeSize;
  // A size asked for explicitly on enqueue stays reachable even outside the configured bounds.
  const bounds = { ...deps.sizing, min: Math.min(deps.sizing.min, job.rangeSize), max: Math.max(deps.sizing.max, job.rangeSize) };
  for (;;) {
    const buckets = await fetchBuckets(deps.db, cursor.nextStartId - 1, job.maxId, rangeSize, BUCKETS_PER_CHUNK);
    if (buckets.length === 0) break;
    const plan = planRanges(buckets, cursor);
    await insertRanges(deps.db, jobId, plan.ranges);
    await deps.publisher.publish(jobId, plan.ranges);
    cursor = plan.cursor;
    await deps.onProgress?.(cursor.nextRangeId - 1);
    // Consumers can start as soon as the first ranges are out; the job is running while planning goes on.
    await transitionJob(deps.db, jobId, ['enumerating'], 'running', 'fleet', 'first ranges published');
    if (buckets.reduce((n, b) => n + b.rows, 0) < rangeSize * BUCKETS_PER_CHUNK) break;
    if (!(await waitForWindow(deps, jobId))) return cursor.nextRangeId - 1;
    const next = adaptRangeSize(rangeSize, await recentDurations(deps.db, jobId), bounds);
    if (next !== rangeSize) deps.logger.info({ jobId, from: rangeSize, to: next, targetMs: deps.sizing.targetMs }, 'range size adapted');
    rangeSize = next;
  }
  return cursor.nextRangeId - 1;
}

/** Wait while the job has more open ranges than the planning window; false when it was cancelled meanwhile. */
async function waitForWindow(deps: RequestDeps, jobId: number): Promise<boolean> {
  for (;;) {
    const current = await getJob(deps.db, jobId);
    if (!current || current.state === 'cancelling' || current.state === 'cancelled') {
      deps.logger.info({ jobId }, 'job cancelled during enumeration: no more ranges are planned');
      return false;
    }
    const { rows } = await deps.db.query<{ open: number }>(
      `SELECT count(*)::int AS open FROM backfill_ranges WHERE job_id = $1 AND state IN ('pending', 'published')`, [jobId]);
    if ((rows[0]?.open ?? 0) <= deps.planningWindow) return true;
    await deps.onWait?.();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function recentDurations(db: pg.Pool, jobId: number): Promise<number[]> {
  const { rows } = await db.query<{ ms: number }>(
    `SELECT duration_ms::float8 AS ms FROM backfill_ranges
      WHERE job_id = $1 AND state = 'done' AND duration_ms IS NOT NULL ORDER BY finished_at DESC LIMIT 10`, [jobId]);
  return rows.map((r) => r.ms);
}
