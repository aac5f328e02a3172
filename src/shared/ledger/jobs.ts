import type pg from 'pg';
import { PermanentError } from '../errors.js';
import {
  FINAL_JOB_STATES, INITIAL_JOB_STATE, KEPT_JOB_STATES, OPEN_RANGE_STATES, PLANNABLE_JOB_STATES, UNPLANNED_JOB_STATES, WORKING_JOB_STATES, WORK_ENDED_JOB_STATES,
  canTransition, sqlState, sqlStateList, type JobState,
} from './states.js';

// Older import sites take these from here; the state lists live in states.ts, the job events' reads in jobEvents.ts.
export { FINAL_JOB_STATES, PLANNABLE_JOB_STATES, type JobState } from './states.js';
export { jobEvents, runningSeconds, type JobEvent } from './jobEvents.js';

/** A backfill job as the ledger holds it. Ids are bigint in SQL, numbers here (far below 2^53). */
export interface JobRow {
  id: number;
  analysisVersion: string;
  rangeSize: number;
  requestedFromId: number | null;
  requestedToId: number | null;
  minId: number | null;
  maxId: number | null;
  state: JobState;
  enumerationComplete: boolean;
  rangesTotal: number;
  /** Random per job, part of its BullMQ request id: ledger ids repeat after a reset or restore, tokens do not. */
  requestToken: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}


const JOB_COLUMNS = `id::float8 AS id, analysis_version, range_size::float8 AS range_size,
  requested_from_id::float8 AS requested_from_id, requested_to_id::float8 AS requested_to_id,
  min_id::float8 AS min_id, max_id::float8 AS max_id, state, enumeration_complete,
  ranges_total::float8 AS ranges_total, request_token::text AS request_token, created_at, started_at, finished_at`;

interface JobRecord {
  id: number; analysis_version: string; range_size: number; requested_from_id: number | null;
  requested_to_id: number | null; min_id: number | null; max_id: number | null; state: JobState;
  enumeration_complete: boolean; ranges_total: number; request_token: string; created_at: Date; started_at: Date | null; finished_at: Date | null;
}

function toJob(r: JobRecord): JobRow {
  return {
    id: r.id, analysisVersion: r.analysis_version, rangeSize: r.range_size, requestedFromId: r.requested_from_id,
    requestedToId: r.requested_to_id, minId: r.min_id, maxId: r.max_id, state: r.state,
    enumerationComplete: r.enumeration_complete, rangesTotal: r.ranges_total, requestToken: r.request_token, createdAt: r.created_at,
    startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

export interface NewJob {
  analysisVersion: string;
  rangeSize: number;
  fromId?: number | undefined;
  toId?: number | undefined;
  requestedBy: string;
}

/**
 * Record a job and freeze its id bounds now: the min and max id of the tracks that have legacy data
 * within the requested bounds. Tracks added later are not part of this job (a later job picks them up).
 */
export async function createJob(db: pg.Pool | pg.PoolClient, job: NewJob): Promise<JobRow> {
  const { rows } = await db.query<JobRecord>(
    `INSERT INTO backfill_jobs (analysis_version, range_size, requested_from_id, requested_to_id, min_id, max_id, requested_by)
     SELECT $1, $2, $3, $4, min(id), max(id), $5 FROM tracks
      WHERE analysis_data IS NOT NULL AND ($3::bigint IS NULL OR id >= $3) AND ($4::bigint IS NULL OR id <= $4)
     RETURNING ${JOB_COLUMNS}`,
    [job.analysisVersion, job.rangeSize, job.fromId ?? null, job.toId ?? null, job.requestedBy],
  );
  const created = toJob(rows[0] as JobRecord);
  await db.query(`INSERT INTO backfill_job_events (job_id, from_state, to_state, actor, reason) VALUES ($1, NULL, $3, $2, 'enqueued')`,
    [created.id, job.requestedBy.slice(0, 200), INITIAL_JOB_STATE]);
  return created;
}

export async function getJob(db: pg.Pool | pg.PoolClient, jobId: number): Promise<JobRow | undefined> {
  const { rows } = await db.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM backfill_jobs WHERE id = $1`, [jobId]);
  return rows[0] ? toJob(rows[0]) : undefined;
}

export async function latestJob(db: pg.Pool | pg.PoolClient): Promise<JobRow | undefined> {
  const { rows } = await db.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM backfill_jobs ORDER BY id DESC LIMIT 1`);
  return rows[0] ? toJob(rows[0]) : undefined;
}

/** A job and its BullMQ request token: what a planning request is made of. */
export interface JobRequestKey {
  id: number;
  requestToken: string;
}

/** Jobs whose planning is unfinished (they must always have a planning request), in id order. */
export async function jobsNeedingPlanning(db: pg.Pool | pg.PoolClient): Promise<JobRequestKey[]> {
  const { rows } = await db.query<JobRequestKey>(
    `SELECT id::float8 AS id, request_token::text AS "requestToken" FROM backfill_jobs
      WHERE state = ANY($1::text[]) AND (state = ANY($2::text[]) OR NOT enumeration_complete) ORDER BY id`,
    [PLANNABLE_JOB_STATES, UNPLANNED_JOB_STATES]);
  return rows;
}

/** What the producer's housekeeping needs of a job it looks after. */
export interface KeptJob {
  id: number;
  state: JobState;
  enumerationComplete: boolean;
  /** The operator's cap in tracks/s, null when none. */
  maxRate: number | null;
}

/** Jobs the producer's housekeeping looks after (KEPT_JOB_STATES). */
export async function jobsToKeep(db: pg.Pool | pg.PoolClient): Promise<KeptJob[]> {
  const { rows } = await db.query<KeptJob>(
    `SELECT id::float8 AS id, state, enumeration_complete AS "enumerationComplete", max_rate::float8 AS "maxRate"
       FROM backfill_jobs WHERE state = ANY($1::text[])`, [KEPT_JOB_STATES]);
  return rows;
}

/** Ids of the jobs in one of `states`, in id order. */
export async function jobIdsInStates(db: pg.Pool | pg.PoolClient, states: readonly JobState[]): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id::float8 AS id FROM backfill_jobs WHERE state = ANY($1::text[]) ORDER BY id`, [states]);
  return rows.map((r) => r.id);
}

/** The operator's rate cap of a job (null removes it). */
export async function setJobRateCap(db: pg.Pool | pg.PoolClient, jobId: number, cap: number | null): Promise<void> {
  await db.query('UPDATE backfill_jobs SET max_rate = $2 WHERE id = $1', [jobId, cap]);
}

/** When `backfill finalize` marked the job finalized. */
export async function stampFinalized(db: pg.Pool | pg.PoolClient, jobId: number): Promise<void> {
  await db.query('UPDATE backfill_jobs SET finalized_at = now() WHERE id = $1', [jobId]);
}

/** How many jobs the ledger holds and how many are not finished; undefined when there is no ledger table. */
export async function jobTally(db: pg.Pool | pg.PoolClient): Promise<{ jobs: number; unfinished: number } | undefined> {
  const { rows: exists } = await db.query<{ present: boolean }>(`SELECT to_regclass('backfill_jobs') IS NOT NULL AS present`);
  if (!exists[0]?.present) return undefined;
  const { rows } = await db.query<{ jobs: number; unfinished: number }>(
    `SELECT count(*)::int AS jobs, count(*) FILTER (WHERE state <> ALL($1::text[]))::int AS unfinished FROM backfill_jobs`, [FINAL_JOB_STATES]);
  return rows[0] ?? { jobs: 0, unfinished: 0 };
}

/** A job as other jobs' messages name it. */
export interface JobSummary {
  id: number;
  analysisVersion: string;
  state: JobState;
}

/** Every job of the ledger but `jobId`, in id order (bounded by the number of jobs, not tracks). */
export async function jobsOtherThan(db: pg.Pool | pg.PoolClient, jobId: number): Promise<JobSummary[]> {
  const { rows } = await db.query<JobSummary>(
    `SELECT id::float8 AS id, analysis_version AS "analysisVersion", state FROM backfill_jobs WHERE id <> $1 ORDER BY id`, [jobId]);
  return rows;
}

export async function listJobs(db: pg.Pool | pg.PoolClient, limit = 100): Promise<JobRow[]> {
  const { rows } = await db.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM backfill_jobs ORDER BY id DESC LIMIT $1`, [limit]);
  return rows.map(toJob);
}

/**
 * Move a job to `to` only from one of `from` (a compare-and-set: concurrent callers cannot both win), and
 * record the transition — from, to, who or what made it, why — in `backfill_job_events`, in one statement.
 * Every move from `from` to `to` must be one the state machine allows (states.ts); asking for another is a bug.
 */
export async function transitionJob(
  db: pg.Pool | pg.PoolClient, jobId: number, from: readonly JobState[], to: JobState, actor = 'system', reason: string | null = null,
): Promise<boolean> {
  const illegal = from.filter((state) => !canTransition(state, to));
  if (illegal.length > 0) throw new PermanentError('illegal_transition', `a job cannot move from ${illegal.join(', ')} to ${to}`);
  const { rowCount } = await db.query(
    `WITH moved AS (
       UPDATE backfill_jobs j SET state = $3::text,
         started_at = CASE WHEN $3::text = ANY($6::text[]) THEN coalesce(j.started_at, now()) ELSE j.started_at END,
         finished_at = CASE WHEN $3::text = ANY($7::text[]) THEN now() ELSE j.finished_at END
       FROM (SELECT id, state AS from_state FROM backfill_jobs WHERE id = $1) AS previous
       WHERE j.id = previous.id AND j.state = ANY($2::text[])
       RETURNING j.id, previous.from_state)
     INSERT INTO backfill_job_events (job_id, from_state, to_state, actor, reason)
     SELECT id, from_state, $3::text, $4, $5 FROM moved`,
    [jobId, from, to, actor.slice(0, 200), reason, WORKING_JOB_STATES, WORK_ENDED_JOB_STATES],
  );
  return rowCount === 1;
}

/**
 * Whether the ranges of job `j` (an alias in the enclosing query) cover every id of its bounds: in range id
 * order the first starts at min_id, each starts right after the previous one ends, the last reaches max_id.
 * A job with no legacy rows (min_id NULL) needs no range. Reads every range of the job: use it only once no
 * range is open (see finishJobIfDone).
 */
const RANGES_COVER_JOB = `(j.min_id IS NULL OR coalesce((
  SELECT bool_and(c.start_id = coalesce(c.previous_end + 1, j.min_id)) AND max(c.end_id) >= j.max_id
    FROM (SELECT start_id, end_id, lag(end_id) OVER (ORDER BY range_id) AS previous_end
            FROM backfill_ranges WHERE job_id = j.id) AS c), false))`;

/** Whether job `j` still has a range that is not done or failed (stops at the first one, on the (job_id, state) index). */
const HAS_OPEN_RANGE = `EXISTS (SELECT 1 FROM backfill_ranges r WHERE r.job_id = j.id AND r.state IN (${sqlStateList(OPEN_RANGE_STATES)}))`;

/**
 * Record that planning is complete — only when the ledger's ranges cover the job's bounds, so a planner's
 * belief never completes a plan with a hole, and only while the job may still be planned: a job stopped
 * (cancelled, failed, rolled back) meanwhile keeps its planning unfinished, whatever its ranges reach.
 * `ranges_total` is the ledger's count, not the planner's. Returns the number of ranges, or undefined when
 * nothing was changed (the ranges do not cover the bounds, or the job is stopped).
 */
export async function markEnumerated(db: pg.Pool | pg.PoolClient, jobId: number): Promise<number | undefined> {
  const { rows } = await db.query<{ total: number }>(
    `UPDATE backfill_jobs j SET enumeration_complete = true,
            ranges_total = (SELECT count(*) FROM backfill_ranges WHERE job_id = j.id)
      WHERE j.id = $1 AND j.state = ANY($2::text[]) AND ${RANGES_COVER_JOB}
      RETURNING ranges_total::float8 AS total`, [jobId, PLANNABLE_JOB_STATES]);
  return rows[0]?.total;
}

/**
 * A job whose planning is marked complete, with no open range, whose ranges do not cover its bounds: a bug
 * signal (nothing may complete it). Planning is marked unfinished again, so the keeper re-adds its request and
 * a planner continues from the ledger's last range. Returns whether that happened.
 */
export async function reopenUncoveredPlanning(db: pg.Pool | pg.PoolClient, jobId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE backfill_jobs j SET enumeration_complete = false
      WHERE j.id = $1 AND j.state = ${sqlState('running')} AND j.enumeration_complete
        AND CASE WHEN ${HAS_OPEN_RANGE} THEN false ELSE NOT ${RANGES_COVER_JOB} END`, [jobId]);
  return rowCount === 1;
}

/**
 * Close a running job once every range is done or failed and its ranges cover every id of its bounds:
 * `completed`, or `failed` when any range failed. Called after each range commit; the state condition lets
 * exactly one caller win. Planning marked complete is not enough: the coverage is checked here, in SQL.
 *
 * Called once per range, so it must not read the whole ledger each time (that is quadratic: a
 * 100-million-track job has 50,000 ranges). `ready` asks the (job_id, state) index whether any range is
 * still open, which stops at the first one; only a job with none left has its ranges summed and its coverage
 * checked (the CASE makes that order certain: AND lets the planner evaluate either side first). The UPDATE
 * repeats the job's state conditions because it re-reads the row under its lock: of callers racing on the
 * last ranges, one closes the job and the others find it no longer running.
 */
export async function finishJobIfDone(db: pg.Pool | pg.PoolClient, jobId: number): Promise<JobState | undefined> {
  const { rows } = await db.query<{ state: JobState }>(
    `WITH ready AS (
       SELECT j.id FROM backfill_jobs j
        WHERE j.id = $1 AND j.state = ${sqlState('running')} AND j.enumeration_complete
          AND CASE WHEN ${HAS_OPEN_RANGE} THEN false ELSE ${RANGES_COVER_JOB} END),
     counts AS (
       SELECT count(*) FILTER (WHERE state = ${sqlState('failed')}) AS failed,
              coalesce(sum(converted), 0) AS converted, coalesce(sum(failed), 0) AS rows_failed,
              coalesce(sum(skipped), 0) AS skipped
         FROM backfill_ranges WHERE job_id = (SELECT id FROM ready)),
     finished AS (
       UPDATE backfill_jobs j
          SET state = CASE WHEN counts.failed > 0 THEN ${sqlState('failed')} ELSE ${sqlState('completed')} END, finished_at = now(),
              tracks_converted = counts.converted, tracks_failed = counts.rows_failed, tracks_skipped = counts.skipped
         FROM counts, ready
        WHERE j.id = ready.id AND j.state = ${sqlState('running')} AND j.enumeration_complete
        RETURNING j.id, j.state, counts.failed)
     INSERT INTO backfill_job_events (job_id, from_state, to_state, actor, reason)
     SELECT id, ${sqlState('running')}, state, 'fleet',
            CASE WHEN failed > 0 THEN failed || ' range(s) failed after their attempts' ELSE 'every range done' END
       FROM finished
     RETURNING to_state AS state`,
    [jobId],
  );
  return rows[0]?.state;
}

/**
 * The job's state, read again under a share lock on its row right before the range is marked done. Cancel and
 * rollback move the job with an UPDATE of that row, so they wait for a range that holds the lock, and a range
 * whose job stopped meanwhile (its consumer froze past its heartbeat) sees it here and commits nothing.
 * Taken at the end, not at the start: the lock then lasts one statement and the COMMIT, so pause, throttle and
 * cancel wait milliseconds for ranges in flight, and share lockers overlapping end to end cannot starve them.
 */
export async function jobStateForShare(client: pg.PoolClient, jobId: number): Promise<JobState | undefined> {
  const { rows } = await client.query<{ state: JobState }>('SELECT state FROM backfill_jobs WHERE id = $1 FOR SHARE', [jobId]);
  return rows[0]?.state;
}

/** The job's state and range size, as a consumer caches them. */
export async function jobStateAndRangeSize(db: pg.Pool | pg.PoolClient, jobId: number): Promise<{ state: JobState; rangeSize: number } | undefined> {
  const { rows } = await db.query<{ state: JobState; rangeSize: number }>(
    'SELECT state, range_size::float8 AS "rangeSize" FROM backfill_jobs WHERE id = $1', [jobId]);
  return rows[0];
}
