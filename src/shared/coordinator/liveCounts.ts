import type pg from 'pg';
import type { JobCounts } from '../ledger/ranges.js';
import type { Coordinator, JobProgress } from './coordinator.js';
import { plannedRangesAfter } from '../ledger/ranges.js';
import { rebuildCountersFromLedger } from './syncFromLedger.js';

/** Reads before giving up on the coordinator for this call (each one lost its counters to a flush or reset). */
const ATTEMPTS = 2;

/**
 * A running job's counts from the coordinator, in the ledger's shape: one Redis round trip plus one ledger
 * read of the ranges planned since the last read (none once planning is over). Counters that are not built
 * are rebuilt from the ledger first. Undefined when they were lost again while being read (the caller reads
 * the ledger instead, this once).
 */
export async function liveJobCounts(pool: pg.Pool, coordinator: Coordinator, jobId: number): Promise<JobCounts | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let read = await coordinator.progress(jobId);
    if (!read.built) {
      if ((await rebuildCountersFromLedger(pool, coordinator, jobId)) < 0) continue;
      read = await coordinator.progress(jobId);
      if (!read.built) continue;
    }
    const planned = await plannedRangesAfter(pool, jobId, read.progress.plannedLastRangeId);
    if (planned.length > 0) {
      if ((await coordinator.addPlanned(jobId, planned)) < 0) continue;
      read = await coordinator.progress(jobId);
      if (!read.built) continue;
    }
    return countsOf(read.progress);
  }
  return undefined;
}

function countsOf(p: JobProgress): JobCounts {
  return {
    rangesTotal: p.plannedRanges,
    rangesDone: p.rangesDone,
    rangesFailed: p.rangesFailed,
    rangesPending: Math.max(0, p.plannedRanges - p.rangesDone - p.rangesFailed),
    converted: p.converted,
    failed: p.failed,
    skipped: p.skipped,
    plannedRows: p.plannedRows,
    finishedRows: p.finishedRows,
    plannedThroughId: p.plannedThroughId,
  };
}
