import { JobSeries } from './jobSeries.js';
import type { ConsumerMetrics } from './registry.js';

/**
 * The phases of one range that are timed (the lock wait is not: it is the duplicate-delivery case).
 * `ack` is the RabbitMQ ack after the commit; `report` comes after the ack (Redis counters and the job's
 * finish check), outside the range's duration: with the message acked, the next range already runs beside it.
 */
export const RANGE_PHASES = ['read', 'convert', 'write', 'commit', 'ack', 'report'] as const;
export type RangePhase = (typeof RANGE_PHASES)[number];

/** What a consumer tells its metrics, one call per event. Every method is cheap and never throws. */
export interface RangeObserver {
  /** A delivery was taken / let go (in-flight gauge). */
  started(): void;
  ended(): void;
  /** A delivery was acked after processRange returned (done, already done, job stopped …). */
  handled(jobId: number, outcome: { kind: string; converted?: number; failed?: number; skipped?: number }, seconds: number): void;
  /** A range that threw: sent to a retry queue, failed after its last attempt, or rejected by the ledger. */
  failed(jobId: number, how: 'retried' | 'failed' | 'rejected'): void;
  /** A message that is not a range message at all (dead-lettered). */
  malformed(): void;
  /** Phase timing in milliseconds; a bound function, so it can be handed on as a callback. */
  readonly phase: (phase: RangePhase, ms: number) => void;
}

/** Outcome kinds are a closed union in processRange; as labels they use underscores. */
function outcomeLabel(kind: string): string {
  return kind.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
}

/** `jobs` makes a job's series at 0 before its first count (and is what the TTL sweep removes them with). */
export function rangeObserver(metrics: ConsumerMetrics, jobs: JobSeries = new JobSeries(metrics)): RangeObserver {
  return {
    started: () => metrics.rangesInFlight.inc(),
    ended: () => metrics.rangesInFlight.dec(),
    handled(jobId, outcome, seconds) {
      jobs.know(jobId);
      const job_id = String(jobId);
      const label = outcomeLabel(outcome.kind);
      jobs.usedRangeOutcome(label);
      metrics.ranges.inc({ job_id, outcome: label });
      if (outcome.kind !== 'done') return;
      metrics.rangeDuration.observe({ job_id }, seconds);
      metrics.tracks.inc({ job_id, outcome: 'converted' }, outcome.converted ?? 0);
      metrics.tracks.inc({ job_id, outcome: 'failed' }, outcome.failed ?? 0);
      metrics.tracks.inc({ job_id, outcome: 'skipped' }, outcome.skipped ?? 0);
    },
    failed(jobId, how) {
      jobs.know(jobId);
      const job_id = String(jobId);
      metrics.ranges.inc({ job_id, outcome: how });
      if (how === 'retried') metrics.retries.inc({ job_id });
      else metrics.deadLettered.inc({ reason: how === 'failed' ? 'attempts_exhausted' : 'rejected' });
    },
    malformed: () => metrics.deadLettered.inc({ reason: 'malformed' }),
    phase: (phase, ms) => metrics.phase.observe({ phase }, ms / 1000),
  };
}
