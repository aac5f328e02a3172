import type pg from 'pg';

/** One planned range of a job: ids start..end inclusive, holding about `plannedRows` rows with legacy data. */
export interface PlannedRange {
  rangeId: number;
  startId: number;
  endId: number;
  plannedRows: number;
}

export type RangeState = 'pending' | 'published' | 'done' | 'failed';

/** Write planned ranges; a rerun after a crash inserts the same ids again and changes nothing. */
export async function insertRanges(db: pg.Pool | pg.PoolClient, jobId: number, ranges: PlannedRange[]): Promise<void> {
  if (ranges.length === 0) return;
  await db.query(
    `INSERT INTO backfill_ranges (job_id, range_id, start_id, end_id, planned_rows)
     SELECT $1, r.range_id, r.start_id, r.end_id, r.planned_rows
       FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS r(range_id, start_id, end_id, planned_rows)
     ON CONFLICT (job_id, range_id) DO NOTHING`,
    [jobId, ranges.map((r) => r.rangeId), ranges.map((r) => r.startId), ranges.map((r) => r.endId), ranges.map((r) => r.plannedRows)],
  );
}

/** The last range already planned, so a rerun of enumeration continues after it instead of starting over. */
export async function lastPlannedRange(db: pg.Pool | pg.PoolClient, jobId: number): Promise<PlannedRange | undefined> {
  const { rows } = await db.query<{ range_id: number; start_id: number; end_id: number; planned_rows: number }>(
    `SELECT range_id::float8 AS range_id, start_id::float8 AS start_id, end_id::float8 AS end_id, planned_rows::float8 AS planned_rows
       FROM backfill_ranges WHERE job_id = $1 ORDER BY range_id DESC LIMIT 1`,
    [jobId],
  );
  const r = rows[0];
  return r && { rangeId: r.range_id, startId: r.start_id, endId: r.end_id, plannedRows: r.planned_rows };
}

/** Ranges in `states`, in id order after `afterRangeId` (keyset pagination). */
export async function rangesInStates(
  db: pg.Pool | pg.PoolClient, jobId: number, states: RangeState[], afterRangeId: number, limit: number,
): Promise<PlannedRange[]> {
  const { rows } = await db.query<{ range_id: number; start_id: number; end_id: number; planned_rows: number }>(
    `SELECT range_id::float8 AS range_id, start_id::float8 AS start_id, end_id::float8 AS end_id, planned_rows::float8 AS planned_rows
       FROM backfill_ranges WHERE job_id = $1 AND state = ANY($2::text[]) AND range_id > $3
      ORDER BY range_id LIMIT $4`,
    [jobId, states, afterRangeId, limit],
  );
  return rows.map((r) => ({ rangeId: r.range_id, startId: r.start_id, endId: r.end_id, plannedRows: r.planned_rows }));
}

/** After the broker confirmed them: pending → published (a done range stays done). */
export async function markPublished(db: pg.Pool | pg.PoolClient, jobId: number, rangeIds: number[]): Promise<void> {
  await db.query(
    `UPDATE backfill_ranges SET state = 'published', published_at = now()
      WHERE job_id = $1 AND range_id = ANY($2::bigint[]) AND state = 'pending'`,
    [jobId, rangeIds],
  );
}

/** A range that used all its attempts. It stays failed until `retry-failed`. */
export async function markRangeFailed(
  db: pg.Pool | pg.PoolClient, jobId: number, rangeId: number, attempts: number, lastError: string,
): Promise<void> {
  await db.query(
    `UPDATE backfill_ranges SET state = 'failed', attempts = $3, last_error = $4, finished_at = now()
      WHERE job_id = $1 AND range_id = $2 AND state <> 'done'`,
    [jobId, rangeId, attempts, lastError.slice(0, 2000)],
  );
}

export interface JobCounts {
  rangesTotal: number;
  rangesDone: number;
  rangesFailed: number;
  rangesPending: number;
  converted: number;
  failed: number;
  skipped: number;
  /** Rows with legacy data in every planned range, and in those done or failed (progress and ETA). */
  plannedRows: number;
  finishedRows: number;
  /** Highest end id planned so far (null before the first range): how far paced planning has got. */
  plannedThroughId: number | null;
}

/** What the ledger says of a job — the numbers every other view must agree with. */
export async function jobCounts(db: pg.Pool | pg.PoolClient, jobId: number): Promise<JobCounts> {
  const { rows } = await db.query<JobCounts>(
    `SELECT count(*)::float8 AS "rangesTotal",
            count(*) FILTER (WHERE state = 'done')::float8 AS "rangesDone",
            count(*) FILTER (WHERE state = 'failed')::float8 AS "rangesFailed",
            count(*) FILTER (WHERE state IN ('pending', 'published'))::float8 AS "rangesPending",
            coalesce(sum(converted), 0)::float8 AS converted,
            coalesce(sum(failed), 0)::float8 AS failed,
            coalesce(sum(skipped), 0)::float8 AS skipped,
            coalesce(sum(planned_rows), 0)::float8 AS "plannedRows",
            coalesce(sum(planned_rows) FILTER (WHERE state IN ('done', 'failed')), 0)::float8 AS "finishedRows",
            max(end_id)::float8 AS "plannedThroughId"
       FROM backfill_ranges WHERE job_id = $1`,
    [jobId],
  );
  return rows[0] as JobCounts;
}

export interface FinishedRange {
  rangeId: number;
  outcome: 'done' | 'failed';
  converted: number;
  failed: number;
  skipped: number;
}

/** Every done or failed range of a job with its counts: what the coordinator's counters are rebuilt from. */
export async function finishedRanges(db: pg.Pool | pg.PoolClient, jobId: number): Promise<FinishedRange[]> {
  const { rows } = await db.query<FinishedRange>(
    `SELECT range_id::float8 AS "rangeId", state AS outcome, coalesce(converted, 0)::float8 AS converted,
            coalesce(failed, 0)::float8 AS failed, coalesce(skipped, 0)::float8 AS skipped
       FROM backfill_ranges WHERE job_id = $1 AND state IN ('done', 'failed') ORDER BY range_id`,
    [jobId],
  );
  return rows;
}

/** What the ledger says as a delivery of a range is about to start it. */
export interface RangeClaim {
  rangeState: RangeState;
  jobState: string;
  /** Starts of the range so far, this one included; null when this delivery was not counted (range done or failed, job idle). */
  attempts: number | null;
  lastError: string | null;
}

/**
 * Count one start of a range, committed before its transaction begins: a consumer killed inside the range
 * (a poison range, an OOM kill) still spent the attempt, while a message only held, drained or given back
 * never reaches this and spends nothing. Only a delivery that matches the ledger's range counts (a forged or
 * stale message spends no attempt of the real range), and only while the range is open (pending, published)
 * and its job is not in one of `idleJobStates` (paused, stopped). Undefined when the ledger has no such range.
 */
export async function claimRangeAttempt(
  db: pg.Pool | pg.PoolClient, range: { jobId: number; rangeId: number; startId: number; endId: number }, idleJobStates: readonly string[],
): Promise<RangeClaim | undefined> {
  const { rows } = await db.query<RangeClaim>(
    `WITH claimed AS (
       UPDATE backfill_ranges r SET attempts = r.attempts + 1
        WHERE r.job_id = $1 AND r.range_id = $2 AND r.start_id = $3 AND r.end_id = $4 AND r.state IN ('pending', 'published')
          AND EXISTS (SELECT 1 FROM backfill_jobs j WHERE j.id = r.job_id AND NOT (j.state = ANY($5::text[])))
       RETURNING r.attempts)
     SELECT r.state AS "rangeState", j.state AS "jobState", (SELECT attempts::float8 FROM claimed) AS attempts, r.last_error AS "lastError"
       FROM backfill_ranges r JOIN backfill_jobs j ON j.id = r.job_id
      WHERE r.job_id = $1 AND r.range_id = $2 AND r.start_id = $3 AND r.end_id = $4`,
    [range.jobId, range.rangeId, range.startId, range.endId, idleJobStates],
  );
  return rows[0];
}
