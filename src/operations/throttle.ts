import type pg from 'pg';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { UsageError } from '../shared/errors.js';
import { getJob, setJobRateCap } from '../shared/ledger/jobs.js';
import { recentDurationRatio } from '../shared/ledger/ranges.js';
import { ACTION_STATES, actionAllowed } from '../shared/ledger/states.js';
import type { Logger } from '../shared/logger.js';
import type { LatencyGuard } from './latencyGuard.js';
import { decideThrottle, unhealthyReason, type HealthSignals, type ThrottleLimits, type ThrottleState } from './throttlePolicy.js';

/** What `status` shows of the throttle. */
export interface ThrottleView {
  /** Tracks/s the fleet may do on this job; null = unlimited, 0 = held. */
  rate: number | null;
  reason: string | null;
  since: string | null;
  operatorCap: number | null;
}

const HEALTH_SQL = `
  SELECT
    (SELECT count(*)::int FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE NOT l.granted AND l.relation = to_regclass('tracks') AND a.wait_event_type = 'Lock'
        AND now() - a.query_start > interval '1 second') AS lock_waiters,
    (SELECT extract(epoch FROM max(replay_lag))::float8 FROM pg_stat_replication) AS replication_lag`;

export async function readHealth(pool: pg.Pool, jobId: number): Promise<HealthSignals> {
  const { rows } = await pool.query<{ lock_waiters: number; replication_lag: number | null }>(HEALTH_SQL);
  const r = rows[0];
  return { lockWaiters: r?.lock_waiters ?? 0, replicationLagSeconds: r?.replication_lag ?? null, recentDurationRatio: await recentDurationRatio(pool, jobId) };
}

function stateFrom(fields: Record<string, string>): ThrottleState {
  return {
    healthRate: fields.healthRate !== undefined && fields.healthRate !== '' ? Number(fields.healthRate) : null,
    healthyRounds: Number(fields.healthyRounds ?? 0),
    reason: fields.reason || null,
    since: fields.since || null,
  };
}

/** One round of the throttle for a running job: read health, decide, publish the budget, log a change. */
export async function evaluateThrottle(
  deps: { pool: pg.Pool; coordinator: Coordinator; logger: Logger; guard?: LatencyGuard }, jobId: number, cap: number | null, limits: ThrottleLimits,
): Promise<void> {
  const previousFields = await deps.coordinator.throttleFields(jobId);
  const previous = stateFrom(previousFields);
  const latency = deps.guard?.signalFor(previousFields);
  const signals: HealthSignals = { ...(await readHealth(deps.pool, jobId)), appLatency: latency?.signal ?? null };
  const measured = await deps.coordinator.throughput(jobId);
  const decision = decideThrottle(previous, signals, { ...limits, appLatencyTarget: deps.guard?.target ?? null }, measured, cap, new Date());
  await deps.coordinator.setThrottleFields(jobId, {
    rate: decision.effectiveRate, healthRate: decision.healthRate ?? '', healthyRounds: decision.healthyRounds,
    reason: decision.reason ?? '', since: decision.since ?? '', cap: cap ?? '',
    ...(latency?.baseline ? { appBaselineMs: latency.baseline.ms, appBaselineAt: latency.baseline.at } : {}),
    ...(decision.healthRate !== null && (previous.healthRate === null || decision.healthRate < previous.healthRate) ? { loweredAt: Date.now() } : {}),
  });
  if (decision.reason !== previous.reason || String(decision.effectiveRate) !== (previousFields.rate ?? '-1')) {
    deps.logger.info({ jobId, rate: decision.effectiveRate, reason: decision.reason, signals }, 'throttle decision');
  }
}

/** A lowered budget stands this long before the guard lowers it again between rounds: ranges started before it still finish. */
const TIGHTEN_SPACING_MS = 3000;

/**
 * The latency guard between rounds: lower the job's budget when the application's latency is over its target,
 * as a round would; otherwise change nothing (raising is for the rounds).
 */
export async function tightenThrottle(
  deps: { pool: pg.Pool; coordinator: Coordinator; logger: Logger; guard: LatencyGuard }, jobId: number, cap: number | null, limits: ThrottleLimits,
): Promise<void> {
  const fields = await deps.coordinator.throttleFields(jobId);
  if (fields.loweredAt && Date.now() - Number(fields.loweredAt) < TIGHTEN_SPACING_MS) return;
  const latency = deps.guard.signalFor(fields);
  const signals: HealthSignals = { lockWaiters: 0, replicationLagSeconds: null, recentDurationRatio: null, appLatency: latency.signal };
  const withGuard = { ...limits, appLatencyTarget: deps.guard.target };
  if (unhealthyReason(signals, withGuard) === null) return;
  const decision = decideThrottle(stateFrom(fields), signals, withGuard, await deps.coordinator.throughput(jobId), cap, new Date());
  await deps.coordinator.setThrottleFields(jobId, {
    rate: decision.effectiveRate, healthRate: decision.healthRate ?? '', healthyRounds: decision.healthyRounds,
    reason: decision.reason ?? '', since: decision.since ?? '', cap: cap ?? '', loweredAt: Date.now(),
    ...(latency.baseline ? { appBaselineMs: latency.baseline.ms, appBaselineAt: latency.baseline.at } : {}),
  });
  deps.logger.info({ jobId, rate: decision.effectiveRate, reason: decision.reason, signals }, 'throttle decision');
}

export async function throttleView(coordinator: Coordinator, jobId: number): Promise<ThrottleView> {
  const f = await coordinator.throttleFields(jobId);
  const rate = f.rate !== undefined ? Number(f.rate) : -1;
  return { rate: rate < 0 ? null : rate, reason: f.reason || null, since: f.since || null, operatorCap: f.cap ? Number(f.cap) : null };
}

/**
 * `backfill throttle JOB --max-rate N` (or --clear): the operator's cap, kept in the ledger and applied at once.
 * A cap is set only on a job the fleet may still convert ranges of (on a stopped or finished one it would never
 * apply); one is cleared from any job.
 */
export async function setOperatorCap(deps: { pool: pg.Pool; coordinator: Coordinator }, jobId: number, cap: number | null): Promise<void> {
  const job = await getJob(deps.pool, jobId);
  if (!job) throw new UsageError(`no backfill job ${jobId}`);
  if (cap !== null && !actionAllowed('throttle', job.state)) {
    throw new UsageError(`job ${jobId} is ${job.state}; it can be throttled only when ${ACTION_STATES.throttle.join(', ')}`);
  }
  await setJobRateCap(deps.pool, jobId, cap);
  const fields = await deps.coordinator.throttleFields(jobId);
  const health = stateFrom(fields).healthRate;
  const limits = [health, cap].filter((v): v is number => v !== null);
  const reason = fields.reason && !fields.reason.startsWith('operator cap') ? fields.reason : cap !== null ? `operator cap ${cap} tracks/s` : '';
  await deps.coordinator.setThrottleFields(jobId, {
    cap: cap ?? '', rate: limits.length ? Math.min(...limits) : -1, reason,
    // Limited since when it started; nothing limits the job any more (the cap cleared, health fine): no time.
    since: reason === '' ? '' : fields.since || new Date().toISOString(),
  });
}
