import type pg from 'pg';
import type { RangeState } from './states.js';

/**
 * The ranges of a job as an operator reads them — `backfill ranges`, the failed ranges of `backfill status`
 * and of the dashboard: bounds, state, attempts and the last error a consumer recorded. Keyset-paginated by
 * range id; the newest failure reasons are the ones that matter, so a state filter is the usual way in.
 */

export interface RangeListing {
  rangeId: number;
  startId: number;
  endId: number;
  plannedRows: number;
  state: RangeState;
  attempts: number;
  converted: number | null;
  failed: number | null;
  skipped: number | null;
  durationMs: number | null;
  /** What the last attempt failed with (a PostgreSQL message, a timeout, …); null when none failed. */
  lastError: string | null;
  publishedAt: string | null;
  finishedAt: string | null;
}

export interface RangeListOptions {
  /** Only ranges in these states (default: every state). */
  states?: readonly RangeState[];
  /** Ranges with a range id above this one (keyset pagination; default 0). */
  afterRangeId?: number;
  limit: number;
}

const RANGE_LIST_SQL = `
  SELECT range_id::float8 AS "rangeId", start_id::float8 AS "startId", end_id::float8 AS "endId",
         planned_rows::float8 AS "plannedRows", state, attempts::float8 AS attempts,
         converted::float8 AS converted, failed::float8 AS failed, skipped::float8 AS skipped,
         duration_ms::float8 AS "durationMs", last_error AS "lastError",
         to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "publishedAt",
         to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt"
    FROM backfill_ranges
   WHERE job_id = $1 AND ($2::text[] IS NULL OR state = ANY ($2::text[])) AND range_id > $3
   ORDER BY range_id
   LIMIT $4`;

export async function listRanges(db: pg.Pool | pg.PoolClient, jobId: number, options: RangeListOptions): Promise<RangeListing[]> {
  const { rows } = await db.query<RangeListing>(RANGE_LIST_SQL, [jobId, options.states ?? null, options.afterRangeId ?? 0, options.limit]);
  return rows;
}
