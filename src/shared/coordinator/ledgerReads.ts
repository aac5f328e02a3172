import type pg from 'pg';
import type { LedgerRange, PlannedRangeTotals } from './coordinator.js';

/**
 * The two ledger reads the coordinator's counters are built from. Both go by the (job_id, range_id) key,
 * so catching up reads only the ranges planned since the last read, never the whole job.
 */

/** Every range of a job with what the counters need: read once when the counters are (re)built. */
export async function rangesForCounters(db: pg.Pool | pg.PoolClient, jobId: number): Promise<LedgerRange[]> {
  const { rows } = await db.query<LedgerRange>(
    `SELECT range_id::float8 AS "rangeId", CASE WHEN state IN ('done', 'failed') THEN state ELSE 'open' END AS state,
            planned_rows::float8 AS "plannedRows", end_id::float8 AS "endId", coalesce(converted, 0)::float8 AS converted,
            coalesce(failed, 0)::float8 AS failed, coalesce(skipped, 0)::float8 AS skipped
       FROM backfill_ranges WHERE job_id = $1 ORDER BY range_id`,
    [jobId],
  );
  return rows;
}

/** Ranges planned after `afterRangeId` (planning appends ranges in range id order, without gaps). */
export async function plannedRangesAfter(db: pg.Pool | pg.PoolClient, jobId: number, afterRangeId: number): Promise<PlannedRangeTotals[]> {
  const { rows } = await db.query<PlannedRangeTotals>(
    `SELECT range_id::float8 AS "rangeId", planned_rows::float8 AS "plannedRows", end_id::float8 AS "endId"
       FROM backfill_ranges WHERE job_id = $1 AND range_id > $2 ORDER BY range_id`,
    [jobId, afterRangeId],
  );
  return rows;
}
