import type pg from 'pg';
import { errorSummary, type ErrorCodeSummary } from '../shared/ledger/errors.js';
import { FINAL_JOB_STATES, type JobState } from '../shared/ledger/jobs.js';
import type { Logger } from '../shared/logger.js';
import { errorMessage } from '../shared/errors.js';
import { listRanges } from '../shared/ledger/rangeList.js';
import type { FleetSampler } from '../operations/status/fleetSampler.js';
import { RingBuffer, pointOf, type HistoryPoint } from './history.js';
import type { FleetIdentity } from './identity.js';
import { viewOf, type DashboardView, type FailedRangeView } from './view.js';

/** Row error summaries and failed ranges of a running job are re-read at most this often. */
const ERRORS_REFRESH_MS = 10_000;

/** Failed ranges listed per job: enough to read the reasons; `backfill ranges JOB --state failed` has them all. */
export const FAILED_RANGES_SHOWN = 50;

/** Chart points kept: the page's widest window (6 hours). */
export const HISTORY_SECONDS = 6 * 3600;

interface Cached<T> { key: string; at: number; value: T }

export interface Update {
  view: DashboardView;
  point: HistoryPoint | null;
}

/**
 * The dashboard's server side: samples the fleet every `intervalMs` (one round at a time), keeps the latest
 * view and an hour of chart points in a ring buffer, and tells subscribers (the open pages) of each update.
 */
export class DashboardState {
  readonly history: RingBuffer<HistoryPoint>;
  private latest: DashboardView | undefined;
  private readonly subscribers = new Set<(update: Update) => void>();
  private readonly errors = new Map<number, Cached<ErrorCodeSummary[]>>();
  private readonly failed = new Map<number, Cached<FailedRangeView[]>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly deps: { sampler: FleetSampler; pool: pg.Pool; logger: Logger; actionsEnabled: boolean; identity: FleetIdentity },
    private readonly intervalMs = 2000,
    historySeconds = HISTORY_SECONDS,
  ) {
    this.history = new RingBuffer(Math.ceil((historySeconds * 1000) / intervalMs));
  }

  /** First sample (so the first page load has data), then one every interval. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.subscribers.clear();
    await this.running;
  }

  /** Sample now (after an action, so the page shows its effect at once); overlapping calls share one round. */
  refresh(): Promise<void> {
    this.running ??= this.sampleOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  view(): DashboardView | undefined {
    return this.latest;
  }

  subscribe(listener: (update: Update) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private async sampleOnce(): Promise<void> {
    let update: Update;
    try {
      const snapshot = await this.deps.sampler.sample();
      const errors = new Map<number, ErrorCodeSummary[]>();
      const failedRanges = new Map<number, FailedRangeView[]>();
      for (const job of snapshot.jobs) {
        errors.set(job.jobId, await this.errorsOf(job.jobId, job.state));
        failedRanges.set(job.jobId, await this.failedRangesOf(job.jobId, job.state, job.ranges.failed));
      }
      for (const cache of [this.errors, this.failed]) for (const jobId of cache.keys()) if (!errors.has(jobId)) cache.delete(jobId);
      const point = pointOf(snapshot);
      this.history.push(point);
      this.latest = viewOf(snapshot, { errors, failedRanges }, this.deps.identity, this.deps.actionsEnabled);
      update = { view: this.latest, point };
      if (this.failing) this.deps.logger.info('dashboard sampling works again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.deps.logger.warn({ err }, 'dashboard sampling failed; showing the last good view');
      this.failing = true;
      const empty: DashboardView = { at: new Date().toISOString(), identity: this.deps.identity, jobs: [], queue: null, consumers: [], actionsEnabled: this.deps.actionsEnabled, sampleError: null };
      this.latest = { ...(this.latest ?? empty), sampleError: errorMessage(err).slice(0, 300) };
      update = { view: this.latest, point: null };
    }
    for (const listener of this.subscribers) listener(update);
  }

  /** A finished job's errors no longer change; a running job's are re-read every ERRORS_REFRESH_MS. */
  private errorsOf(jobId: number, state: string): Promise<ErrorCodeSummary[]> {
    return cachedRead(this.errors, jobId, state, state, () => errorSummary(this.deps.pool, jobId));
  }

  /** Read only for a job that has failed ranges (the count comes with its status): most jobs cost nothing here. */
  private async failedRangesOf(jobId: number, state: string, failedCount: number): Promise<FailedRangeView[]> {
    if (failedCount === 0) {
      this.failed.delete(jobId);
      return [];
    }
    return cachedRead(this.failed, jobId, state, `${state}:${failedCount}`, async () =>
      (await listRanges(this.deps.pool, jobId, { states: ['failed'], limit: FAILED_RANGES_SHOWN })).map((r) => ({
        rangeId: r.rangeId, startId: r.startId, endId: r.endId, attempts: r.attempts, lastError: r.lastError, finishedAt: r.finishedAt,
      })));
  }
}

/** The cached value while `key` holds and the job is over, or for ERRORS_REFRESH_MS while it works; else read anew. */
async function cachedRead<T>(cache: Map<number, Cached<T>>, jobId: number, state: string, key: string, read: () => Promise<T>): Promise<T> {
  const cached = cache.get(jobId);
  const final = FINAL_JOB_STATES.includes(state as JobState);
  if (cached && cached.key === key && (final || performance.now() - cached.at < ERRORS_REFRESH_MS)) return cached.value;
  const value = await read();
  cache.set(jobId, { key, at: performance.now(), value });
  return value;
}
