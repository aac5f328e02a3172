import type pg from 'pg';
import type { Coordinator, RecentRowError } from '../../shared/coordinator/coordinator.js';
import { liveJobCounts } from '../../shared/coordinator/liveCounts.js';
import { syncCountersFromLedger } from '../../shared/coordinator/syncFromLedger.js';
import { jobCounts, type JobCounts } from '../../shared/ledger/ranges.js';
import type { JobRow } from '../../shared/ledger/jobs.js';
import { jobEvents, runningSeconds, type JobEvent } from '../../shared/ledger/jobEvents.js';
import { FINAL_JOB_STATES, SUCCEEDED_JOB_STATES, WORKING_JOB_STATES } from '../../shared/ledger/states.js';
import { throttleView, type ThrottleView } from '../throttle.js';
import type { FleetNames } from '../../shared/names.js';
import type { QueueInspector } from './queueInspector.js';
import { failedRangesOf, type FailedRange } from './failedRanges.js';
import { estimateProgress, estimateRowsRemaining, type PlanningProgress } from './eta.js';
import { estimateJobEta, runningAt, smoothedRate, tracksPerRow, RATE_WINDOW_SECONDS, type Eta } from './etaModel.js';

/** `backfill status --json`: the shape scripts and dashboards read. Change it on purpose only. */
export interface JobStatus {
  jobId: number;
  state: string;
  analysisVersion: string;
  bounds: { minId: number | null; maxId: number | null };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  ranges: { total: number; done: number; failed: number; pending: number; enumerationComplete: boolean };
  /**
   * Share of the job's legacy rows in finished ranges, 0..1. While planning is paced (enumeration not
   * complete) the ids not planned yet count at the density seen so far, so it is not ranges done / planned.
   */
  progress: number;
  tracks: { converted: number; failed: number; skipped: number };
  /**
   * Tracks per second: while the job runs, the smoothed recent rate the ETA goes by (etaModel.ts); for a
   * job that ended, its average over its running time; otherwise 0.
   */
  ratePerSecond: number;
  /** When the job will be done, or why that cannot be said (paused, held, estimating, ended). */
  eta: Eta;
  /** eta.seconds, kept for the scripts that read it. */
  etaSeconds: number | null;
  queue: { ready: number; unacked: number; retrying: number; deadLetter: number } | null;
  consumers: { live: number; lost: number; list: ConsumerView[] };
  throttle: ThrottleView;
  /** Seconds the job has been running (paused time excluded). */
  runningSeconds: number;
  history: JobEvent[];
  recentErrors: RecentRowError[];
  /** The first failed ranges (up to FAILED_RANGES_SHOWN) with their last error; `backfill ranges --state failed` lists all. */
  failedRanges: FailedRange[];
  /**
   * Where ranges, tracks and progress come from: the coordinator's counters (a running job), or the ledger
   * (a finished job, `--exact`, or counters lost while being read).
   */
  source: CountsSource;
}

export type CountsSource = 'coordinator' | 'ledger';

export interface ConsumerView {
  consumerId: string;
  host: string;
  pid: number;
  rangesDone: number;
  currentRanges: string[];
  lastSeen: string | null;
  alive: boolean;
}

export interface StatusDeps {
  pool: pg.Pool;
  coordinator: Coordinator;
  names: FleetNames;
  /** Reads the queues' depth; null when there is no broker to ask (status still answers without it). */
  queues: Pick<QueueInspector, 'depth'> | null;
  heartbeatTtlSeconds: number;
}

export interface StatusOptions {
  /** Read the counts from the ledger even for a running job (`backfill status --exact`). */
  exact?: boolean;
}

/**
 * Status of one job. Rate, consumers, throttle and recent errors come from the coordinator, and so do the
 * counts of a running job — no ledger aggregate per call; the ledger is read when the coordinator has lost
 * the job's counters (rebuilt from it once), for a finished job (the truth, and it no longer changes), and
 * when asked (`exact`).
 */
export async function collectJobStatus(deps: StatusDeps, job: JobRow, options: StatusOptions = {}): Promise<JobStatus> {
  const { counts, source } = await countsOf(deps, job, options);
  const consumers = await deps.coordinator.consumers(deps.heartbeatTtlSeconds);
  const live = consumers.filter((c) => c.alive);
  const seconds = await runningSeconds(deps.pool, job.id);
  const history = await jobEvents(deps.pool, job.id);
  const throttle = await throttleView(deps.coordinator, job.id);
  const processed = counts.converted + counts.failed + counts.skipped;
  const planning: PlanningProgress = { ...counts, enumerationComplete: job.enumerationComplete, minId: job.minId, maxId: job.maxId };
  const nowMs = Date.now();
  // The rate shown and the rate the ETA divides by are one figure: the smoothed recent rate over running time.
  const rate = smoothedRate(await deps.coordinator.throughputSeries(job.id, RATE_WINDOW_SECONDS), runningAt(history));
  const eta = estimateJobEta({
    state: job.state, nowMs, finishedAt: job.finishedAt?.toISOString() ?? null, rowsRemaining: estimateRowsRemaining(planning),
    tracksPerRow: tracksPerRow(processed, counts.finishedRows), rate, throttleRate: throttle.rate, throttleReason: throttle.reason,
  });
  return {
    jobId: job.id,
    state: job.state,
    analysisVersion: job.analysisVersion,
    bounds: { minId: job.minId, maxId: job.maxId },
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    ranges: { total: counts.rangesTotal, done: counts.rangesDone, failed: counts.rangesFailed, pending: counts.rangesPending,
      enumerationComplete: job.enumerationComplete },
    progress: SUCCEEDED_JOB_STATES.includes(job.state) ? 1 : estimateProgress(planning),
    tracks: { converted: counts.converted, failed: counts.failed, skipped: counts.skipped },
    ratePerSecond: Math.round(WORKING_JOB_STATES.includes(job.state) ? rate.tracksPerSecond
      : FINAL_JOB_STATES.includes(job.state) && seconds > 0 ? processed / seconds : 0),
    eta,
    etaSeconds: eta.seconds,
    queue: await queueFigures(deps.queues, live.reduce((n, c) => n + c.currentRanges.length, 0)),
    consumers: {
      live: live.length, lost: consumers.length - live.length,
      list: consumers.map((c) => ({ consumerId: c.consumerId, host: c.host, pid: c.pid, rangesDone: c.rangesDone,
        currentRanges: c.currentRanges, lastSeen: c.lastSeen ?? null, alive: c.alive })),
    },
    throttle,
    runningSeconds: Math.round(seconds),
    history,
    recentErrors: await deps.coordinator.recentErrors(job.id, 5),
    failedRanges: await failedRangesOf(deps.pool, job.id, counts.rangesFailed),
    source,
  };
}

async function countsOf(deps: StatusDeps, job: JobRow, options: StatusOptions): Promise<{ counts: JobCounts; source: CountsSource }> {
  if (!options.exact && !FINAL_JOB_STATES.includes(job.state)) {
    const live = await liveJobCounts(deps.pool, deps.coordinator, job.id);
    if (live) return { counts: live, source: 'coordinator' };
  } else {
    // The counters stay the coordinator's promise after the job ends too: rebuilt if they were lost (cheap when intact).
    await syncCountersFromLedger(deps.pool, deps.coordinator, job.id);
  }
  return { counts: await jobCounts(deps.pool, job.id), source: 'ledger' };
}

/** The queue figures of `backfill status`; null while the broker is unreachable or the queues are not declared yet. */
async function queueFigures(queues: StatusDeps['queues'], inHand: number): Promise<JobStatus['queue']> {
  const depth = queues ? await queues.depth(inHand) : null;
  return depth && { ready: depth.ready, unacked: depth.unacked, retrying: depth.retrying, deadLetter: depth.deadLetter };
}
