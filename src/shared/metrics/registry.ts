import { TOOL_VERSION } from '../version.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric of the fleet, defined in this one module. Naming follows Prometheus: one
 * `backfill_` prefix, base units (seconds, ratios), `_total` on counters, and bounded labels only — the job
 * id is a label (`job_id`: a handful of jobs at a time), a range id never is (millions).
 *
 * The label is `job_id`, not `job`: Prometheus attaches its own `job` label (the scrape job) to every
 * series, and a clash would rename ours to `exported_job`.
 *
 * Who exports what: a consumer counts its own work (tracks, ranges, durations, retries, dead letters); the
 * producer exports the fleet-wide gauges read from the broker, the ledger and the coordinator (queue depth,
 * consumers, job progress, ETA, throttle) — once, not once per consumer; the dashboard exports its own.
 */

export type Role = 'consumer' | 'producer' | 'dashboard';

/** Ranges are sized to take seconds; the top buckets reach past RANGE_STATEMENT_TIMEOUT_MS's default (60 s). */
export const RANGE_SECONDS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300];
/** One phase of a range (read, convert, write, commit, ack; report after it) is a fraction of it. */
export const PHASE_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A registry with the default process metrics (CPU, memory, event loop lag, GC) and the build info. */
export function createRegistry(role: Role, version = TOOL_VERSION): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'backfill_build_info', help: 'Always 1; the labels say which role and version this process runs.',
    labelNames: ['role', 'version'], registers: [registry] }).set({ role, version }, 1);
  return registry;
}

/** What a consumer process counts about its own work. */
export class ConsumerMetrics {
  readonly tracks: Counter<'job_id' | 'outcome'>;
  readonly ranges: Counter<'job_id' | 'outcome'>;
  readonly rangeDuration: Histogram<'job_id'>;
  readonly rangesInFlight: Gauge;
  readonly retries: Counter<'job_id'>;
  readonly deadLettered: Counter<'reason'>;
  readonly phase: Histogram<'phase'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.tracks = new Counter({ name: 'backfill_tracks_total', registers, labelNames: ['job_id', 'outcome'],
      help: 'Tracks of committed ranges by outcome: converted, failed (a row error), skipped.' });
    this.ranges = new Counter({ name: 'backfill_ranges_total', registers, labelNames: ['job_id', 'outcome'],
      help: 'Range deliveries handled, by outcome: done, already_done, job_stopped, retried, failed (attempts exhausted), rejected (the ledger does not vouch for it).' });
    this.rangeDuration = new Histogram({ name: 'backfill_range_duration_seconds', registers, labelNames: ['job_id'],
      buckets: RANGE_SECONDS_BUCKETS, help: 'Time from taking a range delivery to its ack, for ranges done.' });
    this.rangesInFlight = new Gauge({ name: 'backfill_ranges_in_flight', registers,
      help: 'Range deliveries this consumer holds right now (at most its prefetch).' });
    this.retries = new Counter({ name: 'backfill_range_retries_total', registers, labelNames: ['job_id'],
      help: 'Ranges sent to a retry queue after a failed attempt.' });
    this.deadLettered = new Counter({ name: 'backfill_dead_lettered_messages_total', registers, labelNames: ['reason'],
      help: 'Messages this consumer parked in the dead-letter queue, by reason: malformed, rejected, attempts_exhausted.' });
    this.phase = new Histogram({ name: 'backfill_range_phase_seconds', registers, labelNames: ['phase'],
      buckets: PHASE_SECONDS_BUCKETS, help: 'Time spent in one phase of a range: read, convert, write, commit, ack, and report (after the ack).' });
  }
}

/** Fleet-wide gauges, sampled by the producer from the broker, the ledger and the coordinator. */
export class FleetMetrics {
  readonly queueMessages: Gauge<'queue' | 'state'>;
  readonly queueConsumers: Gauge;
  readonly consumers: Gauge<'state'>;
  readonly jobState: Gauge<'job_id' | 'state'>;
  readonly jobProgress: Gauge<'job_id'>;
  readonly jobEta: Gauge<'job_id'>;
  readonly jobRate: Gauge<'job_id'>;
  readonly jobTracks: Gauge<'job_id' | 'outcome'>;
  readonly jobRanges: Gauge<'job_id' | 'state'>;
  readonly throttleActive: Gauge<'job_id' | 'reason'>;
  readonly throttleRate: Gauge<'job_id'>;
  readonly consumersWanted: Gauge;
  readonly sampleFailures: Counter;
  readonly lastSample: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.queueMessages = new Gauge({ name: 'backfill_queue_messages', registers, labelNames: ['queue', 'state'],
      help: 'Range messages by queue (work, retry, dead) and state: ready from the broker; unacked = ranges the live consumers report in hand.' });
    this.queueConsumers = new Gauge({ name: 'backfill_queue_consumers', registers,
      help: 'Consumers the broker sees attached to the work queue.' });
    this.consumers = new Gauge({ name: 'backfill_consumers', registers, labelNames: ['state'],
      help: 'Consumers by heartbeat: alive (seen within HEARTBEAT_TTL_SECONDS) or lost.' });
    this.jobState = new Gauge({ name: 'backfill_job_state', registers, labelNames: ['job_id', 'state'],
      help: '1 for the state a job is in (queued, enumerating, running, paused, cancelling, completed, failed, cancelled …).' });
    this.jobProgress = new Gauge({ name: 'backfill_job_progress_ratio', registers, labelNames: ['job_id'],
      help: 'Ranges finished (done or failed) over ranges planned, 0 to 1, from the ledger.' });
    this.jobEta = new Gauge({ name: 'backfill_job_eta_seconds', registers, labelNames: ['job_id'],
      help: 'Seconds until the job is done at the current rate; absent when there is no rate to go by.' });
    this.jobRate = new Gauge({ name: 'backfill_job_tracks_per_second', registers, labelNames: ['job_id'],
      help: 'Tracks per second, fleet-wide: the smoothed recent rate the ETA goes by (half-life 10 s).' });
    this.jobTracks = new Gauge({ name: 'backfill_job_tracks', registers, labelNames: ['job_id', 'outcome'],
      help: 'Tracks of the job by outcome (converted, failed, skipped), from the ledger.' });
    this.jobRanges = new Gauge({ name: 'backfill_job_ranges', registers, labelNames: ['job_id', 'state'],
      help: 'Ranges of the job by state (done, failed, pending), from the ledger.' });
    this.throttleActive = new Gauge({ name: 'backfill_throttle_active', registers, labelNames: ['job_id', 'reason'],
      help: '1 while the job is throttled, labelled with why (app_latency, lock_waits, replication_lag, range_duration, operator_cap, recovering, other); reason="none" and 0 when it is not.' });
    this.throttleRate = new Gauge({ name: 'backfill_throttle_rate_tracks_per_second', registers, labelNames: ['job_id'],
      help: 'Tracks per second the throttle allows the job (0 = held); absent when unlimited.' });
    this.consumersWanted = new Gauge({ name: 'backfill_consumers_wanted', registers,
      help: 'Consumers the fleet can usefully run now, what an autoscaler scales them to: 0 when no job is running or every running job is paused or held; per running job ceil(open ranges / AUTOSCALE_RANGES_PER_CONSUMER), no more than its throttle rate needs.' });
    this.sampleFailures = new Counter({ name: 'backfill_fleet_sample_failures_total', registers,
      help: 'Rounds of fleet sampling that failed (a service unreachable); the gauges keep their last values.' });
    this.lastSample = new Gauge({ name: 'backfill_fleet_last_sample_timestamp_seconds', registers,
      help: 'Unix time of the last successful fleet sample.' });
  }
}

/** The dashboard process's own metrics. */
export class DashboardMetrics {
  readonly actions: Counter<'action' | 'result'>;
  readonly clients: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.actions = new Counter({ name: 'backfill_dashboard_actions_total', registers, labelNames: ['action', 'result'],
      help: 'Dashboard actions (pause, resume, cancel, retry-failed, resume-lost, dlq-requeue, dlq-purge) by result: ok, unauthorized, forbidden, refused (the job cannot move), error.' });
    this.clients = new Gauge({ name: 'backfill_dashboard_clients', registers,
      help: 'Browsers connected to the live update stream.' });
  }
}

/** The name of every metric this module defines (with default process metrics), e.g. to check alert rules against. */
export function allMetricNames(): string[] {
  const registry = createRegistry('dashboard');
  new ConsumerMetrics(registry);
  new FleetMetrics(registry);
  new DashboardMetrics(registry);
  return registry.getMetricsAsArray().map((m) => m.name);
}
