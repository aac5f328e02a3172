import type pg from 'pg';
import type { Coordinator } from './coordinator.js';
import { rangesForCounters } from '../ledger/ranges.js';

/**
 * Make sure the job's counters are built: when Redis does not have them (never built, a flush, a restart
 * without persistence) they are completed from the ledger, once; while they are intact this is one Redis
 * round trip and no ledger read. Returns how many done or failed ranges were counted from the ledger (0
 * when nothing was rebuilt), or -1 when the rebuild was refused (the counters were reset or flushed while
 * the ledger was read: the next call rebuilds again).
 */
export async function syncCountersFromLedger(pool: pg.Pool, coordinator: Coordinator, jobId: number): Promise<number> {
  if ((await coordinator.progress(jobId)).built) return 0;
  return rebuildCountersFromLedger(pool, coordinator, jobId);
}

/** Rebuild regardless of the generation key (idempotent: nothing is counted twice). */
export async function rebuildCountersFromLedger(pool: pg.Pool, coordinator: Coordinator, jobId: number): Promise<number> {
  const epoch = await coordinator.rebuildEpoch(jobId);
  return coordinator.rebuildFromLedger(jobId, epoch, await rangesForCounters(pool, jobId));
}
