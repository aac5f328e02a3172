import type { ConsumerMetrics } from './registry.js';

/**
 * A consumer's per-job series (`job_id` label) over their life:
 *  - made at 0 for every known label value as soon as the process knows the job, because Prometheus'
 *    increase() and rate() read a series' first sample as its start: a retry counter born at 1 would show no
 *    increase at all for its first retry;
 *  - removed once the job has finished and METRICS_FINISHED_JOB_TTL has passed, so a long-lived consumer
 *    does not export every job it ever saw.
 */

/** Delivery outcomes of backfill_ranges_total: processRange's kinds (with underscores) and the failures. */
export const RANGE_OUTCOMES = ['done', 'already_done', 'job_stopped', 'job_paused', 'retried', 'failed', 'rejected'] as const;
/** Track outcomes of backfill_tracks_total. */
export const TRACK_OUTCOMES = ['converted', 'failed', 'skipped'] as const;
/** Reasons of backfill_dead_lettered_messages_total (no job label: made at 0 once, never removed). */
export const DEAD_LETTER_REASONS = ['malformed', 'rejected', 'attempts_exhausted'] as const;

export class JobSeries {
  /** Job id → when the process last counted something for it (ms since the epoch). */
  private readonly lastActive = new Map<number, number>();
  /** Outcome labels seen beyond RANGE_OUTCOMES (a new kind of processRange), so they are removed too. */
  private readonly extraRangeOutcomes = new Set<string>();

  constructor(private readonly metrics: ConsumerMetrics, private readonly now: () => number = Date.now) {
    for (const reason of DEAD_LETTER_REASONS) metrics.deadLettered.inc({ reason }, 0);
  }

  /** The job's series exist (at 0 when new); it counts as active now. Cheap: called on every event. */
  know(jobId: number): void {
    if (!this.lastActive.has(jobId)) {
      const job_id = String(jobId);
      for (const outcome of RANGE_OUTCOMES) this.metrics.ranges.inc({ job_id, outcome }, 0);
      for (const outcome of TRACK_OUTCOMES) this.metrics.tracks.inc({ job_id, outcome }, 0);
      this.metrics.retries.inc({ job_id }, 0);
    }
    this.lastActive.set(jobId, this.now());
  }

  /** An outcome label outside RANGE_OUTCOMES was used: remember it, so forget() removes it too. */
  usedRangeOutcome(outcome: string): void {
    if (!(RANGE_OUTCOMES as readonly string[]).includes(outcome)) this.extraRangeOutcomes.add(outcome);
  }

  /** Jobs nothing was counted for in the last `seconds`: candidates for removal once finished. */
  idleFor(seconds: number): number[] {
    const before = this.now() - seconds * 1000;
    return [...this.lastActive].filter(([, at]) => at <= before).map(([jobId]) => jobId);
  }

  /** Remove every series of the job. */
  forget(jobId: number): void {
    const job_id = String(jobId);
    for (const outcome of [...RANGE_OUTCOMES, ...this.extraRangeOutcomes]) this.metrics.ranges.remove({ job_id, outcome });
    for (const outcome of TRACK_OUTCOMES) this.metrics.tracks.remove({ job_id, outcome });
    this.metrics.retries.remove({ job_id });
    this.metrics.rangeDuration.remove({ job_id });
    this.lastActive.delete(jobId);
  }
}
