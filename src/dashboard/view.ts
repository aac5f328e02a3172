import type { ErrorCodeSummary } from '../shared/ledger/errors.js';
import type { JobEvent } from '../shared/ledger/jobEvents.js';
import type { RangeListing } from '../shared/ledger/rangeList.js';
import { type ConsumerView, type FleetSnapshot } from '../operations/status/fleetSampler.js';
import type { QueueDepth } from '../shared/amqp/queueDepth.js';
import type { ThrottleView } from '../operations/throttle.js';
import type { FleetIdentity } from './identity.js';
import type { JobStatus } from '../operations/status/jobStatus.js';

/** What the page receives: the fleet at one moment, in the shape the page draws. */
export interface DashboardView {
  at: string;
  /** Which fleet and database this is (the page's header). */
  identity: FleetIdentity;
  jobs: JobView[];
  queue: QueueDepth | null;
  /** Alive consumers first; a lost one has no range in hand (its deliveries went back to the queue). */
  consumers: ConsumerView[];
  /** Whether the buttons can work at all (a DASHBOARD_TOKEN is configured). */
  actionsEnabled: boolean;
  /** The last sampling failure while it lasts (the rest of the view is then the last good one). */
  sampleError: string | null;
}

/** A failed range as the page lists it. */
export type FailedRangeView = Pick<RangeListing, 'rangeId' | 'startId' | 'endId' | 'attempts' | 'lastError' | 'finishedAt'>;

export interface JobView {
  jobId: number;
  state: string;
  analysisVersion: string;
  createdAt: string;
  /** When the job first started working (null while queued). */
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds spent working, paused time excluded. */
  runningSeconds: number;
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
  /** The first FAILED_RANGES_SHOWN failed ranges (`ranges.failed` says how many there are). */
  failedRanges: FailedRangeView[];
  /** Who moved the job, when and why, oldest first. */
  history: JobEvent[];
}

export interface JobExtras {
  errors: Map<number, ErrorCodeSummary[]>;
  failedRanges: Map<number, FailedRangeView[]>;
}

export function viewOf(snapshot: FleetSnapshot, extras: JobExtras, identity: FleetIdentity, actionsEnabled: boolean): DashboardView {
  return {
    at: snapshot.at,
    identity,
    jobs: snapshot.jobs.map((j) => ({
      jobId: j.jobId, state: j.state, analysisVersion: j.analysisVersion, createdAt: j.createdAt, startedAt: j.startedAt,
      finishedAt: j.finishedAt, runningSeconds: j.runningSeconds,
      progress: j.progress, ranges: j.ranges, tracks: j.tracks, ratePerSecond: j.ratePerSecond, etaSeconds: j.etaSeconds, eta: j.eta,
      throttle: j.throttle ?? null, errors: extras.errors.get(j.jobId) ?? [], failedRanges: extras.failedRanges.get(j.jobId) ?? [],
      history: j.history,
    })),
    queue: snapshot.queue,
    consumers: consumersOf(snapshot.consumers),
    actionsEnabled,
    sampleError: null,
  };
}

/**
 * A lost consumer's heartbeat still lists the ranges it had when it went silent; the broker has given those
 * deliveries back (its connection is gone) or will once it is, so showing them "in hand" would mislead.
 */
export function consumersOf(consumers: ConsumerView[]): ConsumerView[] {
  const shown = consumers.map((c) => (c.alive ? c : { ...c, currentRanges: [] }));
  return [...shown.filter((c) => c.alive), ...shown.filter((c) => !c.alive)];
}
