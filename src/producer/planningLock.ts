import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import { asError } from '../shared/errors.js';

/** First key of the two-key advisory lock a planner holds; the second is the job id. Any constant unused elsewhere. */
const PLANNING_LOCK_CLASS = 1_732_500;
const POLL_MS = 1000;

export interface PlanningLockDeps {
  /** Where the planner's session is taken from: it is held for as long as the job is being planned. */
  pool: pg.Pool;
  logger: Logger;
  /** Called while waiting for another planner (the BullMQ worker keeps its lock meanwhile). */
  onWait?: () => Promise<void> | void;
}

/**
 * Run `plan` as the only planner of a job. It holds a session advisory lock on the job for as long as it
 * runs, on the connection it is given: if that connection dies the lock goes with it, and whatever `plan`
 * still writes through it fails instead of racing the next planner. A second request for the same job (re-added
 * after Redis lost the first, or handed out again after a lost BullMQ lock) waits here until the first planner
 * is done or dead, then takes over from the ledger — unless `stillWanted` says there is nothing left to plan.
 * Returns undefined when it gave up waiting.
 */
export async function asOnlyPlanner<T>(
  deps: PlanningLockDeps, jobId: number, stillWanted: () => Promise<boolean>, plan: (session: pg.PoolClient) => Promise<T>,
): Promise<T | undefined> {
  let waiting = false;
  for (;;) {
    const session = await deps.pool.connect();
    let held = false;
    let broken: Error | undefined;
    try {
      const { rows } = await session.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock($1, ($2::bigint % 2147483647)::int) AS locked`, [PLANNING_LOCK_CLASS, jobId]);
      held = rows[0]?.locked === true;
      if (held) return await plan(session);
    } catch (err) {
      broken = asError(err);
      throw err;
    } finally {
      if (held) {
        await session.query(`SELECT pg_advisory_unlock($1, ($2::bigint % 2147483647)::int)`, [PLANNING_LOCK_CLASS, jobId])
          .catch((err: unknown) => (broken = asError(err)));
      }
      // A session that failed may still hold the lock or a transaction: closing it is what releases both.
      session.release(broken);
    }
    if (!(await stillWanted())) return undefined;
    if (!waiting) deps.logger.info({ jobId }, 'another planner is planning this job: waiting until it is done or gone');
    waiting = true;
    await deps.onWait?.();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
