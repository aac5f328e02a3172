import { WORKING_JOB_STATES, type JobState } from '../../shared/ledger/states.js';

/**
 * How many consumers the fleet can usefully run right now: what the autoscaler (KEDA, deploy/k8s) scales the
 * consumers to, exported by the producer as `backfill_consumers_wanted`. Pure: no I/O.
 *
 * Why not the queue's length: while the operator protects the database the queue does not drain — a paused
 * job's messages are held, a held job's ranges wait for budget — so a queue-length rule adds consumers exactly
 * when the database must be left alone. This count follows the job states and the throttle instead:
 *
 *  - a job that is not working (queued, paused, cancelling, finished …) wants no consumer;
 *  - a working job held by the throttle (rate 0) wants none either;
 *  - a working job wants ceil(open ranges / rangesPerConsumer), at least 1 while it works (its last ranges may
 *    be waiting in a retry queue, or planning may not have caught up);
 *  - a working job throttled to R tracks/s wants no more than R needs: ceil(R / per-consumer capacity),
 *    at least 1; with no capacity measured yet, 1 (that consumer's work measures it).
 *
 * Jobs running side by side share the fleet: their counts add up. The autoscaler's maximum (the database's
 * connection budget) still caps the result.
 */

export interface JobDemand {
  state: JobState | string;
  /** Ranges planned and not finished (pending or published), from the ledger or the coordinator. */
  openRanges: number;
  /** The throttle's budget in tracks/s: null = unlimited, 0 = held. */
  throttleRate: number | null;
  /** Tracks/s one consumer does on this job when nothing holds it back; null when not measured yet. */
  perConsumerCapacity: number | null;
}

/** Consumers one job can usefully keep busy. */
export function consumersWantedForJob(job: JobDemand, rangesPerConsumer: number): number {
  if (!(WORKING_JOB_STATES as readonly string[]).includes(job.state)) return 0;
  if (job.throttleRate === 0) return 0;
  const byWork = Math.max(1, Math.ceil(Math.max(0, job.openRanges) / rangesPerConsumer));
  if (job.throttleRate === null) return byWork;
  const byRate = job.perConsumerCapacity && job.perConsumerCapacity > 0 ? Math.max(1, Math.ceil(job.throttleRate / job.perConsumerCapacity)) : 1;
  return Math.min(byWork, byRate);
}

/** Consumers the whole fleet can usefully keep busy: the sum over its jobs. */
export function consumersWanted(jobs: readonly JobDemand[], rangesPerConsumer: number): number {
  return jobs.reduce((sum, job) => sum + consumersWantedForJob(job, rangesPerConsumer), 0);
}

/**
 * The best tracks/s per live consumer seen for each job: what one consumer can do on it when nothing holds it
 * back. The peak, not the current figure: while the throttle binds, consumers wait for budget and the current
 * rate per consumer is the throttle's share (R / consumers), which would keep the count where it is whatever R
 * is. Jobs no longer shown are forgotten.
 */
export class ConsumerCapacity {
  private readonly peak = new Map<number, number>();

  /** Learn from one sample of a job: its fleet-wide rate and the consumers alive. */
  observe(jobId: number, tracksPerSecond: number, liveConsumers: number): void {
    if (liveConsumers <= 0 || !(tracksPerSecond > 0)) return;
    const perConsumer = tracksPerSecond / liveConsumers;
    if (perConsumer > (this.peak.get(jobId) ?? 0)) this.peak.set(jobId, perConsumer);
  }

  of(jobId: number): number | null {
    return this.peak.get(jobId) ?? null;
  }

  keepOnly(jobIds: Iterable<number>): void {
    const kept = new Set(jobIds);
    for (const id of this.peak.keys()) if (!kept.has(id)) this.peak.delete(id);
  }
}
