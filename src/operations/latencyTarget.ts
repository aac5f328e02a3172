import type { AppLatencyTarget } from '../shared/config.js';

/**
 * The latency guard's rule, pure: is the application's latency over the operator's target
 * (BACKFILL_APP_LATENCY_TARGET: a ratio to the latency measured before the job ran, or a time)?
 * The fleet measures it with its own probe — a read of one track by id, like the application's reads — and
 * only while the application is active: an idle application feels nothing, so nothing is throttled for it.
 */

/** The target as people read it, for the throttle's reason and the logs. */
export function describeAppLatencyTarget(target: AppLatencyTarget): string {
  return target.kind === 'ratio' ? `${target.ratio}× its baseline` : `${target.ms} ms`;
}

/** What one throttle round measured of the application's side. */
export interface AppLatencySignal {
  /** The round's probe latency (ms): the median of its probe reads. */
  probeMs: number;
  /** The probe latency before the job ran (ms); null while none is known. */
  baselineMs: number | null;
  /** Sessions of other applications on this database that ran a statement within the round. */
  activeSessions: number;
}

/**
 * Why the application's latency is over the target, or null. Never when no other application is active:
 * then the probe would only measure the backfill competing with itself.
 */
export function appLatencyProblem(signal: AppLatencySignal | null, target: AppLatencyTarget | null): string | null {
  if (!signal || !target || signal.activeSessions === 0) return null;
  const measured = `application read latency ${signal.probeMs.toFixed(1)} ms`;
  if (target.kind === 'ms') return signal.probeMs > target.ms ? `${measured} above the target ${target.ms} ms` : null;
  if (signal.baselineMs === null) return null;
  // A baseline of a fraction of a millisecond would make the ratio jitter: 0.5 ms is the floor it is compared with.
  const ratio = signal.probeMs / Math.max(signal.baselineMs, BASELINE_FLOOR_MS);
  return ratio > target.ratio ? `${measured}, ${ratio.toFixed(1)}× its baseline ${signal.baselineMs.toFixed(1)} ms, above the target ${target.ratio}×` : null;
}

export const BASELINE_FLOOR_MS = 0.5;

/**
 * How far over its target the application's latency is (measured ÷ allowed: above 1 is over), or null
 * when the guard does not judge this round (off, idle application, no baseline for a ratio).
 */
export function appLatencyOvershoot(signal: AppLatencySignal | null, target: AppLatencyTarget | null): number | null {
  if (!signal || !target || signal.activeSessions === 0) return null;
  if (target.kind === 'ms') return signal.probeMs / target.ms;
  if (signal.baselineMs === null) return null;
  return signal.probeMs / Math.max(signal.baselineMs, BASELINE_FLOOR_MS) / target.ratio;
}

/** The q-quantile (0..1) of some latencies, by the nearest-rank rule; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** A baseline and when its last measurement was taken (ms since the epoch). */
export interface Baseline {
  ms: number;
  at: number;
}

/**
 * A job's baseline: the median of the quiet rounds (no job of the fleet converting) taken since its
 * baseline was last set — before the job first ran, or while it was paused or held since — else the one
 * it has. So a long job's baseline is re-measured whenever it is paused, and never from rounds in which
 * the backfill itself ran.
 */
export function baselineFor(stored: Baseline | null, quietRounds: readonly Baseline[]): Baseline | null {
  const newer = quietRounds.filter((r) => stored === null || r.at > stored.at);
  if (newer.length === 0) return stored;
  return { ms: quantile(newer.map((r) => r.ms), 0.5), at: Math.max(...newer.map((r) => r.at)) };
}
