import type pg from 'pg';
import type { PlannedRange } from './ranges.js';
import { OPEN_RANGE_STATES, STOPPED_JOB_STATES, sqlStateList, type JobState, type RangeState } from './states.js';

/**
 * The ledger's side of `backfill dlq requeue`: what it says of the ranges dead letters name, and the fresh
 * attempts of the ones that go back to work. The ledger decides; a dead letter is only a pointer to a range.
 */

export interface RangeKey {
  jobId: number;
  rangeId: number;
}

/** A range a dead letter names, as the ledger has it; absent from the answer when the ledger has no such range. */
export interface LedgerRangeView extends RangeKey {
  startId: number;
  endId: number;
  rangeState: RangeState;
  jobState: JobState;
}

/** The ledger's view of many ranges in one statement (arrays + unnest; a dead-letter queue can hold thousands). */
export async function ledgerRanges(db: pg.Pool | pg.PoolClient, keys: readonly RangeKey[]): Promise<LedgerRangeView[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<LedgerRangeView>(
    `SELECT r.job_id::float8 AS "jobId", r.range_id::float8 AS "rangeId", r.start_id::float8 AS "startId", r.end_id::float8 AS "endId",
            r.state AS "rangeState", j.state AS "jobState"
       FROM unnest($1::bigint[], $2::bigint[]) AS k(job_id, range_id)
       JOIN backfill_ranges r ON r.job_id = k.job_id AND r.range_id = k.range_id
       JOIN backfill_jobs j ON j.id = r.job_id`,
    [keys.map((k) => k.jobId), keys.map((k) => k.rangeId)]);
  return rows;
}

/**
 * Give ranges of one job fresh attempts (the consumers count starts in the ledger, so a range whose message was
 * dead-lettered may have used them) and return the ones that got them. The same statement checks again that
 * each range is still open and its job not stopped: a range finished, rolled back or cancelled since the
 * caller looked is left alone and not returned, so it is not published again.
 */
export async function freshAttempts(db: pg.Pool | pg.PoolClient, jobId: number, rangeIds: readonly number[]): Promise<PlannedRange[]> {
  if (rangeIds.length === 0) return [];
  // State lists are this module's constants (sqlStateList), not input.
  const { rows } = await db.query<PlannedRange>(
    `UPDATE backfill_ranges r SET attempts = 0
      WHERE r.job_id = $1 AND r.range_id = ANY($2::bigint[]) AND r.state IN (${sqlStateList(OPEN_RANGE_STATES)})
        AND EXISTS (SELECT 1 FROM backfill_jobs j WHERE j.id = r.job_id AND j.state NOT IN (${sqlStateList(STOPPED_JOB_STATES)}))
      RETURNING r.range_id::float8 AS "rangeId", r.start_id::float8 AS "startId", r.end_id::float8 AS "endId", r.planned_rows::float8 AS "plannedRows"`,
    [jobId, rangeIds]);
  return rows.sort((a, b) => a.rangeId - b.rangeId);
}
