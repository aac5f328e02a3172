import type pg from 'pg';
import { sqlState } from './states.js';

/**
 * The backfill_ranges statements of a range's own transaction (a consumer at work): lock the range row and
 * check it against its job, then mark it done right before COMMIT.
 */

/** A range's row and its job's, as the consumer checks them before working on the range. */
export interface RangeForWork {
  state: string;
  start_id: number;
  end_id: number;
  job_state: string;
  min_id: number | null;
  max_id: number | null;
  analysis_version: string;
}

/** Lock the range row first: a duplicate delivery handled by another consumer waits here, then sees `done`. */
const LOCK_RANGE_FOR_WORK_SQL = `
  SELECT r.state, r.start_id::float8 AS start_id, r.end_id::float8 AS end_id, j.state AS job_state,
         j.min_id::float8 AS min_id, j.max_id::float8 AS max_id, j.analysis_version
    FROM backfill_ranges r JOIN backfill_jobs j ON j.id = r.job_id
   WHERE r.job_id = $1 AND r.range_id = $2
     FOR UPDATE OF r`;

export async function lockRangeForWork(client: pg.PoolClient, jobId: number, rangeId: number): Promise<RangeForWork[]> {
  const { rows } = await client.query<RangeForWork>(LOCK_RANGE_FOR_WORK_SQL, [jobId, rangeId]);
  return rows;
}

/**
 * A range run again by `retry-failed --rows` keeps the tracks it converted before: they now come back as
 * "already converted" (skipped), so they move from skipped to converted. On a first run `converted` is NULL.
 */
const MARK_RANGE_DONE_SQL = `
  UPDATE backfill_ranges
     SET state = ${sqlState('done')}, converted = coalesce(converted, 0) + $3, failed = $4,
         skipped = greatest($5 - coalesce(converted, 0), 0), duration_ms = $6, last_error = NULL, finished_at = now()
   WHERE job_id = $1 AND range_id = $2
  RETURNING converted::float8 AS converted, failed::float8 AS failed, skipped::float8 AS skipped`;

export interface RangeTotals { converted: number; failed: number; skipped: number }

/** Mark a range done inside its transaction; the totals as the ledger now holds them, undefined if no such range. */
export async function markRangeDone(
  client: pg.PoolClient, jobId: number, rangeId: number, written: RangeTotals & { durationMs: number },
): Promise<RangeTotals | undefined> {
  const { rows } = await client.query<RangeTotals>(MARK_RANGE_DONE_SQL,
    [jobId, rangeId, written.converted, written.failed, written.skipped, written.durationMs]);
  return rows[0];
}
