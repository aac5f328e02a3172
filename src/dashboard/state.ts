import type pg from 'pg';
import { errorSummary, type ErrorCodeSummary } from '../shared/ledger/errors.js';
import { FINAL_JOB_STATES, type JobState } from '../shared/ledger/jobs.js';
import type { Logger } from '../shared/logger.js';
import { errorMessage } from '../shared/errors.js';
import type { FleetSampler } from '../operations/status/fleetSampler.js';
import { RingBuffer, pointOf, type HistoryPoint } from './history.js';
import { viewOf, type DashboardView } from './view.js';

/** Row error summaries of a running job are re-read at most this often (a GROUP BY over its errors). */
const ERRORS_REFRESH_MS = 10_000;

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
  private readonly errors = new Map<number, { key: string; at: number; summary: ErrorCodeSummary[] }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly deps: { sampler: FleetSampler; pool: pg.Pool; logger: Logger; actionsEnabled: boolean },
    private readonly intervalMs = 2000,
    historySeconds = 3600,
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
      for (const job of snapshot.jobs) errors.set(job.jobId, await this.errorsOf(job.jobId, job.state));
      for (const jobId of this.errors.keys()) if (!errors.has(jobId)) this.errors.delete(jobId);
      const point = pointOf(snapshot);
      this.history.push(point);
      this.latest = viewOf(snapshot, errors, this.deps.actionsEnabled);
      update = { view: this.latest, point };
      if (this.failing) this.deps.logger.info('dashboard sampling works again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.deps.logger.warn({ err }, 'dashboard sampling failed; showing the last good view');
      this.failing = true;
      const empty: DashboardView = { at: new Date().toISOString(), jobs: [], queue: null, consumers: [], actionsEnabled: this.deps.actionsEnabled, sampleError: null };
      this.latest = { ...(this.latest ?? empty), sampleError: errorMessage(err).slice(0, 300) };
      update = { view: this.latest, point: null };
    }
    for (const listener of this.subscribers) listener(update);
  }

  /** A finished job's errors no longer change; a running job's are re-read every ERRORS_REFRESH_MS. */
  private async errorsOf(jobId: number, state: string): Promise<ErrorCodeSummary[]> {
    const cached = this.errors.get(jobId);
    const final = FINAL_JOB_STATES.includes(state as JobState);
    if (cached && cached.key === state && (final || performance.now() - cached.at < ERRORS_REFRESH_MS)) return cached.summary;
    const summary = await errorSummary(this.deps.pool, jobId);
    this.errors.set(jobId, { key: state, at: performance.now(), summary });
    return summary;
  }
}
