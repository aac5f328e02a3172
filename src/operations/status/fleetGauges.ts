import { FINAL_JOB_STATES, type JobState } from '../../shared/ledger/jobs.js';
import type { Logger } from '../../shared/logger.js';
import { type FleetSampler, type FleetSnapshot } from './fleetSampler.js';
import { finishedBeyondTtl } from '../../shared/metrics/finishedJobs.js';
import type { FleetMetrics } from '../../shared/metrics/registry.js';
import { loadConfig } from '../../shared/config.js';
import { throttleReasonLabel } from './throttleLabel.js';
import { ConsumerCapacity, consumersWanted, type JobDemand } from './consumersWanted.js';

/** AUTOSCALE_RANGES_PER_CONSUMER's default, from the configuration's own rule (one place for it). */
const DEFAULT_RANGES_PER_CONSUMER = loadConfig({}).AUTOSCALE_RANGES_PER_CONSUMER;

/** What the producer needs to export backfill_consumers_wanted (consumersWanted.ts). */
export interface ScalingInputs {
  /** AUTOSCALE_RANGES_PER_CONSUMER. */
  rangesPerConsumer: number;
  /** Kept across samples by the loop: the best rate per consumer seen for each job. */
  capacity: ConsumerCapacity;
}

/**
 * Put a snapshot into the gauges. Synchronous on purpose: all the I/O happened in the sampler, so a
 * scrape can never see the gauges half reset. Jobs that left the snapshot lose their series, and so do
 * jobs finished more than `finishedJobTtlSeconds` ago (METRICS_FINISHED_JOB_TTL).
 */
export function applySnapshot(metrics: FleetMetrics, snapshot: FleetSnapshot, finishedJobTtlSeconds = Infinity,
  scaling: ScalingInputs = { rangesPerConsumer: DEFAULT_RANGES_PER_CONSUMER, capacity: new ConsumerCapacity() }): void {
  const jobs = snapshot.jobs.filter((job) => !finishedBeyondTtl(job, finishedJobTtlSeconds, Date.parse(snapshot.at)));
  for (const gauge of [metrics.jobState, metrics.jobProgress, metrics.jobEta, metrics.jobRate, metrics.jobTracks, metrics.jobRanges,
    metrics.queueMessages, metrics.consumers, metrics.throttleActive, metrics.throttleRate]) gauge.reset();
  for (const job of jobs) {
    const job_id = String(job.jobId);
    metrics.jobState.set({ job_id, state: job.state }, 1);
    metrics.jobProgress.set({ job_id }, job.progress);
    if (job.etaSeconds !== null) metrics.jobEta.set({ job_id }, job.etaSeconds);
    metrics.jobRate.set({ job_id }, job.ratePerSecond);
    for (const outcome of ['converted', 'failed', 'skipped'] as const) metrics.jobTracks.set({ job_id, outcome }, job.tracks[outcome]);
    metrics.jobRanges.set({ job_id, state: 'done' }, job.ranges.done);
    metrics.jobRanges.set({ job_id, state: 'failed' }, job.ranges.failed);
    metrics.jobRanges.set({ job_id, state: 'pending' }, job.ranges.pending);
  }
  const { queue } = snapshot;
  if (queue) {
    metrics.queueMessages.set({ queue: 'work', state: 'ready' }, queue.ready);
    metrics.queueMessages.set({ queue: 'work', state: 'unacked' }, queue.unacked);
    metrics.queueMessages.set({ queue: 'retry', state: 'ready' }, queue.retrying);
    metrics.queueMessages.set({ queue: 'dead', state: 'ready' }, queue.deadLetter);
    metrics.queueConsumers.set(queue.brokerConsumers);
  }
  const alive = snapshot.consumers.filter((c) => c.alive).length;
  metrics.consumers.set({ state: 'alive' }, alive);
  metrics.consumers.set({ state: 'lost' }, snapshot.consumers.length - alive);
  for (const job of jobs) {
    if (FINAL_JOB_STATES.includes(job.state as JobState)) continue;
    const job_id = String(job.jobId);
    metrics.throttleActive.set({ job_id, reason: throttleReasonLabel(job.throttle) }, job.throttle.rate === null ? 0 : 1);
    if (job.throttle.rate !== null) metrics.throttleRate.set({ job_id }, job.throttle.rate);
  }
  metrics.consumersWanted.set(consumersWanted(demands(snapshot, alive, scaling.capacity), scaling.rangesPerConsumer));
  metrics.lastSample.set(Date.parse(snapshot.at) / 1000);
}

/** Each job of the snapshot as the consumer count sees it; `capacity` learns each job's rate per live consumer. */
function demands(snapshot: FleetSnapshot, liveConsumers: number, capacity: ConsumerCapacity): JobDemand[] {
  capacity.keepOnly(snapshot.jobs.map((job) => job.jobId));
  return snapshot.jobs.map((job) => {
    capacity.observe(job.jobId, job.ratePerSecond, liveConsumers);
    return { state: job.state, openRanges: job.ranges.pending, throttleRate: job.throttle.rate, perConsumerCapacity: capacity.of(job.jobId) };
  });
}

/** The producer's loop: sample the fleet every few seconds into the gauges. One round at a time. */
export class FleetGaugeLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;
  private readonly capacity = new ConsumerCapacity();

  constructor(private readonly sampler: FleetSampler, private readonly metrics: FleetMetrics, private readonly logger: Logger,
    private readonly intervalMs = 5000, private readonly finishedJobTtlSeconds = Infinity, private readonly rangesPerConsumer = DEFAULT_RANGES_PER_CONSUMER) {}

  start(): void {
    const round = () => {
      this.running ??= this.once().finally(() => (this.running = undefined));
    };
    round();
    this.timer = setInterval(round, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async once(): Promise<void> {
    try {
      applySnapshot(this.metrics, await this.sampler.sample(), this.finishedJobTtlSeconds, { rangesPerConsumer: this.rangesPerConsumer, capacity: this.capacity });
      if (this.failing) this.logger.info('fleet metrics sampling works again');
      this.failing = false;
    } catch (err) {
      this.metrics.sampleFailures.inc();
      // Once per outage, not every round.
      if (!this.failing) this.logger.warn({ err }, 'fleet metrics sampling failed; the gauges keep their last values');
      this.failing = true;
    }
  }
}
