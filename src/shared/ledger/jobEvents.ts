import type pg from 'pg';
import { WORKING_JOB_STATES, type JobState } from './states.js';

/**
 * Reads of `backfill_job_events`, the history of every job's state transitions. The events are written by
 * the statements that move a job (jobs.ts: createJob, transitionJob, finishJobIfDone), in the same statement
 * as the move, so a job's state and its history never disagree.
 */

export interface JobEvent {
  fromState: JobState | null;
  toState: JobState;
  actor: string;
  reason: string | null;
  at: string;
}

export async function jobEvents(db: pg.Pool | pg.PoolClient, jobId: number): Promise<JobEvent[]> {
  const { rows } = await db.query<JobEvent>(
    `SELECT from_state AS "fromState", to_state AS "toState", actor, reason, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       FROM backfill_job_events WHERE job_id = $1 ORDER BY id`, [jobId]);
  return rows;
}

/** Seconds the job has spent running (paused and queued time excluded): what its rate and ETA go by. */
export async function runningSeconds(db: pg.Pool | pg.PoolClient, jobId: number): Promise<number> {
  const { rows } = await db.query<{ seconds: number }>(
    `SELECT coalesce(sum(extract(epoch FROM coalesce(next_at, now()) - created_at)), 0)::float8 AS seconds
       FROM (SELECT to_state, created_at, lead(created_at) OVER (ORDER BY id) AS next_at
               FROM backfill_job_events WHERE job_id = $1) AS spans
      WHERE to_state = ANY($2::text[])`, [jobId, WORKING_JOB_STATES]);
  return rows[0]?.seconds ?? 0;
}
