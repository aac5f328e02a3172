import type pg from 'pg';
import { listRanges, type RangeListing } from '../../shared/ledger/rangeList.js';

/** How many failed ranges `backfill status` and the dashboard show; the rest are one `backfill ranges` away. */
export const FAILED_RANGES_SHOWN = 5;

/** A failed range as the status reports it: where it is, how often it was started, and why it failed last. */
export type FailedRange = Pick<RangeListing, 'rangeId' | 'startId' | 'endId' | 'attempts' | 'lastError' | 'finishedAt'>;

/**
 * The first failed ranges of a job, with their last error. `failedCount` is the status's own count of failed
 * ranges: when it says none, the ledger is not asked (status is polled by the dashboard and `--watch`).
 */
export async function failedRangesOf(pool: pg.Pool, jobId: number, failedCount: number): Promise<FailedRange[]> {
  if (failedCount <= 0) return [];
  const ranges = await listRanges(pool, jobId, { states: ['failed'], limit: FAILED_RANGES_SHOWN });
  return ranges.map(({ rangeId, startId, endId, attempts, lastError, finishedAt }) => ({ rangeId, startId, endId, attempts, lastError, finishedAt }));
}
