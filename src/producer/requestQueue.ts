import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FleetNames } from '../shared/names.js';

/** The payload of a backfill request: the ledger holds everything else about the job. */
export interface BackfillRequest {
  jobId: number;
}

/** BullMQ job id of a ledger job's request: one request per job, so adding it twice is a no-op. */
export function requestIdOf(jobId: number): string {
  return `job-${jobId}`;
}

export function openRequestQueue(redis: Redis, names: FleetNames): Queue<BackfillRequest> {
  return new Queue<BackfillRequest>(names.requestQueue, { connection: redis, prefix: names.bullPrefix });
}

/** Add (or re-add, when Redis lost it) the request of a job. */
export async function addRequest(queue: Queue<BackfillRequest>, jobId: number): Promise<void> {
  await queue.add('backfill', { jobId }, {
    jobId: requestIdOf(jobId),
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  });
}
