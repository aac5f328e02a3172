import type { ErrorCodeSummary } from '../shared/ledger/errors.js';
import { type ConsumerView, type FleetSnapshot } from '../operations/status/fleetSampler.js';
import type { QueueDepth } from '../shared/amqp/queueDepth.js';
import type { ThrottleView } from '../operations/throttle.js';
import type { JobStatus } from '../operations/status/jobStatus.js';

/** What the page receives: the fleet at one moment, in the shape the page draws. */
export interface DashboardView {
  at: string;
  jobs: JobView[];
  queue: QueueDepth | null;
  consumers: ConsumerView[];
  /** Whether pause / resume / cancel can work at all (a DASHBOARD_TOKEN is configured). */
  actionsEnabled: boolean;
  /** The last sampling failure while it lasts (the rest of the view is then the last good one). */
  sampleError: string | null;
}

export interface JobView {
  jobId: number;
  state: string;
  analysisVersion: string;
  createdAt: string;
  finishedAt: string | null;
  /** 0 to 1: ranges finished over ranges planned. */
  progress: number;
  ranges: { total: number; done: number; failed: number; pending: number; enumerationComplete: boolean };
  tracks: { converted: number; failed: number; skipped: number };
  ratePerSecond: number;
  etaSeconds: number | null;
  /** The ETA or why there is none (paused, held, estimating, ended with its outcome): status.eta. */
  eta: JobStatus['eta'];
  throttle: ThrottleView | null;
  /** Row errors by code with one sample each. */
  errors: ErrorCodeSummary[];
}

export function viewOf(snapshot: FleetSnapshot, errors: Map<number, ErrorCodeSummary[]>, actionsEnabled: boolean): DashboardView {
  return {
    at: snapshot.at,
    jobs: snapshot.jobs.map((j) => ({
      jobId: j.jobId, state: j.state, analysisVersion: j.analysisVersion, createdAt: j.createdAt, finishedAt: j.finishedAt,
      progress: j.progress, ranges: j.ranges, tracks: j.tracks, ratePerSecond: j.ratePerSecond, etaSeconds: j.etaSeconds, eta: j.eta,
      throttle: j.throttle ?? null, errors: errors.get(j.jobId) ?? [],
    })),
    queue: snapshot.queue,
    consumers: snapshot.consumers,
    actionsEnabled,
    sampleError: null,
  };
}
