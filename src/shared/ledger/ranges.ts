import type pg from 'pg';
import type { LedgerRange, PlannedRangeTotals } from '../coordinator/coordinator.js';
import { PermanentError } from '../errors.js';
import {
  FINISHED_RANGE_STATES, OPEN_RANGE_STATES, PLANNABLE_JOB_STATES, sqlState, sqlStateList, type FinishedRangeState, type JobState, type RangeState,
} from './states.js';

export type { RangeState } from './states.js';

/** One planned range of a job: ids start..end inclusive, holding about `plannedRows` rows with legacy data. */
export interface PlannedRange {
  rangeId: number;
  startId: number;
  endId: number;
  plannedRows: number;
}


/** What the ledger made of a chunk of planned ranges. Only `accepted` ranges may be published. */
export type PlanVerdict =
  /** Inserted: they continue exactly after the ledger's last range. */
  | 'accepted'
  /** Not inserted: the ledger's last range is no longer the one they continue (another planner got there first). */
  | 'ledger_moved_on'
  /** Not inserted: the job is stopped (cancelled, finished, rolled back) or no longer in the ledger. */
  | 'job_stopped';

/**
 * Write a chunk of planned ranges only if it continues exactly after the ledger's last range of the job —
 * range id max + 1 and start id last end id + 1 (or the job's min id for the first) — so two planners of one
 * job can never leave ids in no range: the second one's chunk is refused and it re-reads its cursor from the
 * ledger. The job row is locked first, in its own statement: the INSERT's check then runs on a snapshot taken
 * after the lock was granted, so it sees the ranges a planner committed while this one waited.
 */
export async function insertRanges(db: pg.Pool | pg.PoolClient, jobId: number, ranges: PlannedRange[]): Promise<PlanVerdict> {
  const first = ranges[0];
  if (!first) return 'accepted';
  ranges.forEach((r, i) => {
    const previous = ranges[i - 1];
    if (previous && (r.rangeId !== previous.rangeId + 1 || r.startId !== previous.endId + 1)) {
      throw new PermanentError('plan_not_contiguous', `planned ranges of job ${jobId} do not follow each other at range ${r.rangeId}`);
    }
  });
  const client = 'release' in db ? db : await db.connect();
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ plannable: boolean }>(
      `SELECT state = ANY($2::text[]) AS plannable FROM backfill_jobs WHERE id = $1 FOR UPDATE`, [jobId, PLANNABLE_JOB_STATES]);
    if (!rows[0]?.plannable) {
      await client.query('ROLLBACK');
      return 'job_stopped';
    }
    const { rowCount } = await client.query(
      `WITH last AS (SELECT range_id, end_id FROM backfill_ranges WHERE job_id = $1 ORDER BY range_id DESC LIMIT 1),
            expected AS (SELECT coalesce((SELECT range_id FROM last), 0) + 1 AS range_id,
                                coalesce((SELECT end_id FROM last) + 1, (SELECT min_id FROM backfill_jobs WHERE id = $1)) AS start_id)
       INSERT INTO backfill_ranges (job_id, range_id, start_id, end_id, planned_rows)
       SELECT $1, r.range_id, r.start_id, r.end_id, r.planned_rows
         FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS r(range_id, start_id, end_id, planned_rows), expected
        WHERE expected.range_id = $6 AND expected.start_id = $7`,
      [jobId, ranges.map((r) => r.rangeId), ranges.map((r) => r.startId), ranges.map((r) => r.endId), ranges.map((r) => r.plannedRows),
        first.rangeId, first.startId],
    );
    await client.query('COMMIT');
    return rowCount === ranges.length ? 'accepted' : 'ledger_moved_on';
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => (broken = rollbackErr));
    throw err;
  } finally {
    // A client whose ROLLBACK failed is dead or mid-transaction: destroy it rather than pool it again.
    if (client !== db) (client as pg.PoolClient).release(broken instanceof Error ? broken : undefined);
  }
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
  db: pg.Pool | pg.PoolClient, jobId: number, states: readonly RangeState[], afterRangeId: number, limit: number,
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
    `UPDATE backfill_ranges SET state = ${sqlState('published')}, published_at = now()
      WHERE job_id = $1 AND range_id = ANY($2::bigint[]) AND state = ${sqlState('pending')}`,
    [jobId, rangeIds],
  );
}

/** A range that used all its attempts. It stays failed until `retry-failed`. */
export async function markRangeFailed(
  db: pg.Pool | pg.PoolClient, jobId: number, rangeId: number, attempts: number, lastError: string,
): Promise<void> {
  await db.query(
    `UPDATE backfill_ranges SET state = ${sqlState('failed')}, attempts = $3, last_error = $4, finished_at = now()
      WHERE job_id = $1 AND range_id = $2 AND state <> ${sqlState('done')}`,
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
            count(*) FILTER (WHERE state = ${sqlState('done')})::float8 AS "rangesDone",
            count(*) FILTER (WHERE state = ${sqlState('failed')})::float8 AS "rangesFailed",
            count(*) FILTER (WHERE state IN (${sqlStateList(OPEN_RANGE_STATES)}))::float8 AS "rangesPending",
            coalesce(sum(converted), 0)::float8 AS converted,
            coalesce(sum(failed), 0)::float8 AS failed,
            coalesce(sum(skipped), 0)::float8 AS skipped,
            coalesce(sum(planned_rows), 0)::float8 AS "plannedRows",
            coalesce(sum(planned_rows) FILTER (WHERE state IN (${sqlStateList(FINISHED_RANGE_STATES)})), 0)::float8 AS "finishedRows",
            max(end_id)::float8 AS "plannedThroughId"
       FROM backfill_ranges WHERE job_id = $1`,
    [jobId],
  );
  return rows[0] as JobCounts;
}

export interface FinishedRange {
  rangeId: number;
  outcome: FinishedRangeState;
  converted: number;
  failed: number;
  skipped: number;
}

/** Every done or failed range of a job with its counts: what the coordinator's counters are rebuilt from. */
export async function finishedRanges(db: pg.Pool | pg.PoolClient, jobId: number): Promise<FinishedRange[]> {
  const { rows } = await db.query<FinishedRange>(
    `SELECT range_id::float8 AS "rangeId", state AS outcome, coalesce(converted, 0)::float8 AS converted,
            coalesce(failed, 0)::float8 AS failed, coalesce(skipped, 0)::float8 AS skipped
       FROM backfill_ranges WHERE job_id = $1 AND state IN (${sqlStateList(FINISHED_RANGE_STATES)}) ORDER BY range_id`,
    [jobId],
  );
  return rows;
}

/** What the ledger says as a delivery of a range is about to start it. */
export interface RangeClaim {
  rangeState: RangeState;
  jobState: JobState;
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
        WHERE r.job_id = $1 AND r.range_id = $2 AND r.start_id = $3 AND r.end_id = $4 AND r.state IN (${sqlStateList(OPEN_RANGE_STATES)})
          AND EXISTS (SELECT 1 FROM backfill_jobs j WHERE j.id = r.job_id AND NOT (j.state = ANY($5::text[])))
       RETURNING r.attempts)
     SELECT r.state AS "rangeState", j.state AS "jobState", (SELECT attempts::float8 FROM claimed) AS attempts, r.last_error AS "lastError"
       FROM backfill_ranges r JOIN backfill_jobs j ON j.id = r.job_id
      WHERE r.job_id = $1 AND r.range_id = $2 AND r.start_id = $3 AND r.end_id = $4`,
    [range.jobId, range.rangeId, range.startId, range.endId, idleJobStates],
  );
  return rows[0];
}

/** How many ranges of the job are open (planned or published, not finished): how far planning is ahead. */
export async function openRangeCount(db: pg.Pool | pg.PoolClient, jobId: number): Promise<number> {
  const { rows } = await db.query<{ open: number }>(
    `SELECT count(*)::int AS open FROM backfill_ranges WHERE job_id = $1 AND state = ANY($2::text[])`, [jobId, OPEN_RANGE_STATES]);
  return rows[0]?.open ?? 0;
}

/**
 * Failed ranges — and with `withRowErrors` the ranges holding row errors, whose errors are deleted — back to
 * pending with fresh attempts, in `db`'s transaction. Returns how many row errors were cleared and the
 * reopened ranges in id order (to publish again).
 */
export async function reopenRanges(
  db: pg.Pool | pg.PoolClient, jobId: number, withRowErrors: boolean,
): Promise<{ cleared: number; ranges: PlannedRange[] }> {
  const { rows } = await db.query<{ cleared: number; ranges: PlannedRange[] }>(
    `WITH cleared AS (
       DELETE FROM backfill_errors WHERE job_id = $1 AND $2::boolean RETURNING range_id
     ), reopened AS (
       UPDATE backfill_ranges SET state = ${sqlState('pending')}, attempts = 0, last_error = NULL, finished_at = NULL
        WHERE job_id = $1 AND (state = ${sqlState('failed')} OR range_id IN (SELECT range_id FROM cleared))
       RETURNING range_id::float8 AS "rangeId", start_id::float8 AS "startId", end_id::float8 AS "endId", planned_rows::float8 AS "plannedRows"
     )
     SELECT (SELECT count(*)::int FROM cleared) AS cleared, coalesce(json_agg(reopened ORDER BY "rangeId"), '[]') AS ranges FROM reopened`,
    [jobId, withRowErrors]);
  return rows[0] as { cleared: number; ranges: PlannedRange[] };
}

/** Durations of the job's latest done ranges, newest first: what the range size adapts by. */
export async function recentRangeDurations(db: pg.Pool | pg.PoolClient, jobId: number, limit = 10): Promise<number[]> {
  const { rows } = await db.query<{ ms: number }>(
    `SELECT duration_ms::float8 AS ms FROM backfill_ranges
      WHERE job_id = $1 AND state = ${sqlState('done')} AND duration_ms IS NOT NULL ORDER BY finished_at DESC LIMIT $2`, [jobId, limit]);
  return rows.map((r) => r.ms);
}

/**
 * How much longer the job's ranges done in the last 30 s took than all its done ranges on average (the
 * throttle's range-duration signal); null with fewer than 3 recent ranges or nothing to compare with.
 */
export async function recentDurationRatio(db: pg.Pool | pg.PoolClient, jobId: number): Promise<number | null> {
  const { rows } = await db.query<{ ratio: number | null }>(
    `SELECT (CASE WHEN avg_all > 0 AND n_recent >= 3 THEN avg_recent / avg_all END)::float8 AS ratio FROM (
       SELECT (SELECT avg(duration_ms) FROM backfill_ranges WHERE job_id = $1 AND state = ${sqlState('done')}) AS avg_all,
              avg(duration_ms) AS avg_recent, count(*) AS n_recent
         FROM (SELECT duration_ms FROM backfill_ranges WHERE job_id = $1 AND state = ${sqlState('done')}
                 AND finished_at > now() - interval '30 seconds' ORDER BY finished_at DESC LIMIT 10) recent) d`, [jobId]);
  return rows[0]?.ratio ?? null;
}

/** How many ranges of the job are done: what a rollback has to undo. */
export async function doneRangeCount(db: pg.Pool | pg.PoolClient, jobId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state = ${sqlState('done')}`, [jobId]);
  return rows[0]?.n ?? 0;
}

/**
 * Lock a done range's ledger row for the rest of the transaction (a rollback's step 0); false when the range is
 * no longer done (rolled back meanwhile by a second rollback, which held the lock until it committed).
 */
export async function lockDoneRange(client: pg.PoolClient, jobId: number, rangeId: number): Promise<boolean> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM backfill_ranges WHERE job_id = $1 AND range_id = $2 AND state = ${sqlState('done')} FOR UPDATE`, [jobId, rangeId]);
  return rowCount === 1;
}

// The coordinator's counters are built from these two reads. Both go by the (job_id, range_id) key, so
// catching up reads only the ranges planned since the last read, never the whole job.

/** Every range of a job with what the counters need: read once when the counters are (re)built. */
export async function rangesForCounters(db: pg.Pool | pg.PoolClient, jobId: number): Promise<LedgerRange[]> {
  const { rows } = await db.query<LedgerRange>(
    `SELECT range_id::float8 AS "rangeId", CASE WHEN state = ANY($2::text[]) THEN state ELSE 'open' END AS state,
            planned_rows::float8 AS "plannedRows", end_id::float8 AS "endId", coalesce(converted, 0)::float8 AS converted,
            coalesce(failed, 0)::float8 AS failed, coalesce(skipped, 0)::float8 AS skipped
       FROM backfill_ranges WHERE job_id = $1 ORDER BY range_id`,
    [jobId, FINISHED_RANGE_STATES],
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
