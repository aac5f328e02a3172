import type pg from 'pg';
import { finishedRanges } from '../ledger/ranges.js';
import type { Coordinator } from './coordinator.js';

/** Count in Redis every done or failed range the ledger has and Redis does not. Returns how many were added. */
export async function syncCountersFromLedger(pool: pg.Pool, coordinator: Coordinator, jobId: number): Promise<number> {
  return coordinator.rebuildFromLedger(jobId, await finishedRanges(pool, jobId));
}
