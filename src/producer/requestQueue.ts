import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { FleetNames } from '../shared/names.js';

/** The payload of a backfill request: the ledger holds everything else about the job. */
export const backfillRequestSchema = z.object({
  jobId: z.number().int().positive(),
  /** The job's request token: tells this job from an earlier one with the same ledger id. Absent in older requests. */
  token: z.string().uuid().optional(),
});
export type BackfillRequest = z.infer<typeof backfillRequestSchema>;

/** What a request is made from: a ledger job's id and request token (a JobRow has both). */
export interface RequestedJob {
  id: number;
  requestToken: string;
}

/**
 * BullMQ id of a job's request: one request per job, so adding it twice is a no-op. The token keeps the id
 * unique when the ledger hands out id 1 again (its revisions reverted and re-applied, an older dump restored)
 * while Redis still holds the old job 1's request — BullMQ would silently ignore a new one with that id.
 */
export function requestIdOf(job: RequestedJob): string {
  return `job-${job.id}-${job.requestToken}`;
}

export function openRequestQueue(redis: Redis, names: FleetNames): Queue<BackfillRequest> {
  return new Queue<BackfillRequest>(names.requestQueue, { connection: redis, prefix: names.bullPrefix });
}

/** BullMQ states of a request that is over: one in them no longer plans its job. */
const FINISHED_REQUEST_STATES = ['completed', 'failed'];

/**
 * Add the request of a job whose planning the ledger says is unfinished: a new one when Redis lost it (a
 * flush, a restart), or a fresh attempt when the one BullMQ holds is over — it used up its attempts during an
 * outage, say; BullMQ keeps a finished request's id, so it is removed first. One waiting, delayed or active is
 * left alone. Returns whether a request was added.
 */
export async function addRequest(queue: Queue<BackfillRequest>, job: RequestedJob): Promise<boolean> {
  const id = requestIdOf(job);
  const existing = await queue.getJob(id);
  if (existing) {
    if (!FINISHED_REQUEST_STATES.includes(await existing.getState())) return false;
    await existing.remove();
  }
  await queue.add('backfill', { jobId: job.id, token: job.requestToken }, {
    jobId: id,
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  });
  return true;
}
