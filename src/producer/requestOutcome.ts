import { UnrecoverableError, type Job } from 'bullmq';
import type pg from 'pg';
import { PermanentError } from '../shared/errors.js';
import { transitionJob } from '../shared/ledger/jobs.js';
import { PLANNABLE_JOB_STATES } from '../shared/ledger/states.js';
import type { Logger } from '../shared/logger.js';
import type { BackfillRequest } from './requestQueue.js';

/**
 * A request that failed with a permanent error cannot succeed on another attempt: its job is marked `failed`
 * with the reason, and BullMQ is told not to retry. Anything else is rethrown for BullMQ's retries; once those
 * are used up, the fleet keeper adds a new attempt while the ledger says planning is unfinished.
 */
export async function failJobIfPermanent(pool: pg.Pool, jobId: number, err: unknown): Promise<never> {
  if (!(err instanceof PermanentError)) throw err;
  const marked = await transitionJob(pool, jobId, PLANNABLE_JOB_STATES, 'failed', 'producer', `planning cannot continue: ${err.message}`);
  throw new UnrecoverableError(`${err.message}; ${marked ? 'the job is marked failed' : 'the job was no longer being planned'}`);
}

/** Say what became of a failed request — and never that its job was marked failed unless it was. */
export function logRequestFailure(logger: Logger, job: Job<BackfillRequest> | undefined, err: Error): void {
  const request = { err, request: job?.id, jobId: job?.data.jobId, attempt: job?.attemptsMade };
  if (err instanceof UnrecoverableError) logger.error(request, 'backfill request failed for good');
  else if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) {
    logger.error(request, 'backfill request used up its attempts; the job keeps its state, and the fleet keeper adds a new attempt while its planning is unfinished');
  } else logger.warn(request, 'backfill request failed; BullMQ retries it with backoff');
}
