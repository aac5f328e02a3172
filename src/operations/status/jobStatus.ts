import type pg from 'pg';
import type { Coordinator, RecentRowError } from '../../shared/coordinator/coordinator.js';
import { liveJobCounts } from '../../shared/coordinator/liveCounts.js';
import { syncCountersFromLedger } from '../../shared/coordinator/syncFromLedger.js';
import { jobCounts, type JobCounts } from '../../shared/ledger/ranges.js';
import type { JobRow } from '../../shared/ledger/jobs.js';
import { jobEvents, runningSeconds, type JobEvent } from '../../shared/ledger/jobEvents.js';
import { FINAL_JOB_STATES, SUCCEEDED_JOB_STATES, WAITING_JOB_STATES, WORKING_JOB_STATES } from '../../shared/ledger/states.js';
import { throttleView, type ThrottleView } from '../throttle.js';
import type { FleetNames } from '../../shared/names.js';
import type { QueueInspector } from './queueInspector.js';
import { failedRangesOf, type FailedRange } from './failedRanges.js';
import { estimateEta, estimateProgress, estimateRowsRemaining, type PlanningProgress } from './eta.js';

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
  ratePerSecond: number;
  etaSeconds: number | null;
  queue: { ready: number; unacked: number; retrying: number; deadLetter: number } | null;
  consumers: { live: number; lost: number; list: ConsumerView[] };
  throttle: ThrottleView;
  /** Seconds the job has been running (paused time excluded): the ETA's clock. */
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
  maxAttempts: number;
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
  const recentRate = await deps.coordinator.throughput(job.id);
  const consumers = await deps.coordinator.consumers(deps.heartbeatTtlSeconds);
  const live = consumers.filter((c) => c.alive);
  const running = WORKING_JOB_STATES.includes(job.state);
  const seconds = await runningSeconds(deps.pool, job.id);
  // The ETA goes by the rate over running time only: paused time does not make it lie.
  const processed = counts.converted + counts.failed + counts.skipped;
  const runningRate = seconds > 0 ? processed / seconds : 0;
  const planning: PlanningProgress = { ...counts, enumerationComplete: job.enumerationComplete, minId: job.minId, maxId: job.maxId };
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
    ratePerSecond: Math.round(running ? recentRate : runningRate),
    etaSeconds: running || WAITING_JOB_STATES.includes(job.state) ? estimateEta(estimateRowsRemaining(planning), runningRate || recentRate) : job.finishedAt ? 0 : null,
    queue: await queueFigures(deps.queues, live.reduce((n, c) => n + c.currentRanges.length, 0)),
    consumers: {
      live: live.length, lost: consumers.length - live.length,
      list: consumers.map((c) => ({ consumerId: c.consumerId, host: c.host, pid: c.pid, rangesDone: c.rangesDone,
        currentRanges: c.currentRanges, lastSeen: c.lastSeen ?? null, alive: c.alive })),
    },
    throttle: await throttleView(deps.coordinator, job.id),
    runningSeconds: Math.round(seconds),
    history: await jobEvents(deps.pool, job.id),
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
