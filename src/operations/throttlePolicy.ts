import type { AppLatencyTarget } from '../shared/config.js';
import { appLatencyOvershoot, appLatencyProblem, type AppLatencySignal } from './latencyTarget.js';

/**
 * The throttle's decision, pure: from the database's health and the operator's cap to the fleet-wide
 * rate budget of a job. Multiplicative decrease while unhealthy (down to holding the job), doubling back
 * after two healthy rounds — the AIMD-like rule batched-migration runners use.
 */

export interface HealthSignals {
  /** Sessions waiting for a lock on `tracks` longer than a second. */
  lockWaiters: number;
  /** Replication lag in seconds (null without replicas). */
  replicationLagSeconds: number | null;
  /** Mean duration of the latest ranges vs the job's mean (1 = as usual). */
  recentDurationRatio: number | null;
  /** The latency guard's probe of what the application feels (null: guard off or no measurement this round). */
  appLatency?: AppLatencySignal | null;
}

export interface ThrottleLimits {
  maxReplicationLagSeconds: number;
  maxDurationRatio: number;
  /** Below this rate the job is held instead (rate 0). */
  minRate: number;
  /** BACKFILL_APP_LATENCY_TARGET; null or absent: the latency guard is off. */
  appLatencyTarget?: AppLatencyTarget | null;
}

export interface ThrottleState {
  /** Tracks/s budget; null = no limit from health. */
  healthRate: number | null;
  healthyRounds: number;
  reason: string | null;
  since: string | null;
}

export interface ThrottleDecision extends ThrottleState {
  /** What consumers obey: min(health, operator cap); -1 = unlimited, 0 = held. */
  effectiveRate: number;
}

export function unhealthyReason(s: HealthSignals, limits: ThrottleLimits): string | null {
  if (s.lockWaiters > 0) return `${s.lockWaiters} session(s) waiting for locks on tracks`;
  const latency = appLatencyProblem(s.appLatency ?? null, limits.appLatencyTarget ?? null);
  if (latency) return latency;
  if (s.replicationLagSeconds !== null && s.replicationLagSeconds > limits.maxReplicationLagSeconds) {
    return `replication lag ${s.replicationLagSeconds.toFixed(1)} s above ${limits.maxReplicationLagSeconds} s`;
  }
  if (s.recentDurationRatio !== null && s.recentDurationRatio > limits.maxDurationRatio) {
    return `ranges take ${s.recentDurationRatio.toFixed(1)}× their usual time`;
  }
  return null;
}

/**
 * The share of the rate an unhealthy round keeps: half — or, when only the application's latency is over its
 * target, the target over the overshoot, between half and four fifths: that latency follows the rate within a
 * round, so a small overshoot costs a small step, not half the speed.
 */
export function decreaseFactor(s: HealthSignals, limits: ThrottleLimits): number {
  const overshoot = appLatencyOvershoot(s.appLatency ?? null, limits.appLatencyTarget ?? null);
  if (s.lockWaiters > 0 || overshoot === null || overshoot <= 1) return 0.5;
  return Math.min(0.8, Math.max(0.5, 1 / overshoot));
}

export function decideThrottle(
  previous: ThrottleState, signals: HealthSignals, limits: ThrottleLimits, measuredRate: number, cap: number | null, now: Date,
): ThrottleDecision {
  const reason = unhealthyReason(signals, limits);
  let { healthRate, healthyRounds } = previous;
  let since = previous.since;
  if (reason) {
    const base = healthRate ?? Math.max(measuredRate, limits.minRate * 2);
    const lowered = base * decreaseFactor(signals, limits);
    healthRate = lowered < limits.minRate ? 0 : Math.floor(lowered);
    healthyRounds = 0;
    if (previous.reason === null) since = now.toISOString();
  } else if (healthRate !== null) {
    healthyRounds += 1;
    if (healthyRounds >= 2) {
      healthRate = healthRate === 0 ? limits.minRate : healthRate * 2;
      healthyRounds = 0;
      // Back past what the fleet does unthrottled: stop limiting.
      if (healthRate > Math.max(measuredRate, limits.minRate) * 4) healthRate = null;
    }
  }
  const effectiveReason = reason ?? (healthRate !== null ? 'recovering' : cap !== null ? `operator cap ${cap} tracks/s` : null);
  if (effectiveReason === null) since = null;
  else if (since === null) since = now.toISOString();
  const limitsInForce = [healthRate, cap].filter((v): v is number => v !== null);
  const effectiveRate = limitsInForce.length ? Math.min(...limitsInForce) : -1;
  return { healthRate, healthyRounds, reason: effectiveReason, since, effectiveRate };
}
