import type pg from 'pg';
import type { Coordinator } from '../../shared/coordinator/coordinator.js';
import { listJobs, FINAL_JOB_STATES, type JobRow } from '../../shared/ledger/jobs.js';
import type { FleetNames } from '../../shared/names.js';
import { collectJobStatus, type JobStatus } from './jobStatus.js';
import type { QueueDepth } from '../../shared/amqp/queueDepth.js';
import type { QueueInspector } from './queueInspector.js';

/** One consumer as its heartbeat shows it. */
export interface ConsumerView {
  consumerId: string;
  host: string;
  pid: number;
  alive: boolean;
  rangesDone: number;
  currentRanges: string[];
  startedAt: string;
  lastSeen: string | null;
}

/** The whole fleet at one moment: what the dashboard draws and the producer's gauges export. */
export interface FleetSnapshot {
  at: string;
  /** Newest first. */
  jobs: JobStatus[];
  queue: QueueDepth | null;
  consumers: ConsumerView[];
}

export interface SamplerDeps {
  pool: pg.Pool;
  coordinator: Coordinator;
  names: FleetNames;
  /** null: the broker is not asked (queue depth unknown). */
  queues: QueueInspector | null;
  heartbeatTtlSeconds: number;
  /** How many of the newest jobs to show. */
  jobLimit?: number;
}

/**
 * Samples the fleet: every job's status (collectJobStatus, the same numbers as `backfill status`), the
 * queue depth (once, not once per job), the consumers and the throttle. A finished job's status no longer
 * changes, so it is computed once and kept until its state changes (retry-failed reopens a job).
 */
export class FleetSampler {
  private readonly finished = new Map<number, { key: string; status: JobStatus }>();

  constructor(private readonly deps: SamplerDeps) {}

  async sample(): Promise<FleetSnapshot> {
    const { pool, coordinator, heartbeatTtlSeconds } = this.deps;
    const jobs = await listJobs(pool, this.deps.jobLimit ?? 20);
    const statuses: JobStatus[] = [];
    for (const job of jobs) statuses.push(await this.statusOf(job));
    this.forgetJobsNotIn(jobs);
    const beats = await coordinator.consumers(heartbeatTtlSeconds);
    const consumers = beats.map((b): ConsumerView => ({
      consumerId: b.consumerId, host: b.host, pid: b.pid, alive: b.alive, rangesDone: b.rangesDone,
      currentRanges: b.currentRanges, startedAt: b.startedAt, lastSeen: b.lastSeen ?? null,
    }));
    const inHand = consumers.filter((c) => c.alive).reduce((n, c) => n + c.currentRanges.length, 0);
    return {
      at: new Date().toISOString(),
      jobs: statuses,
      queue: this.deps.queues ? await this.deps.queues.depth(inHand) : null,
      consumers,
    };
  }

  private async statusOf(job: JobRow): Promise<JobStatus> {
    const key = `${job.state}:${job.finishedAt?.toISOString() ?? ''}`;
    const cached = this.finished.get(job.id);
    if (cached && cached.key === key) return cached.status;
    const status = await collectJobStatus({ ...this.deps, queues: null }, job);
    if (FINAL_JOB_STATES.includes(job.state)) this.finished.set(job.id, { key, status });
    else this.finished.delete(job.id);
    return status;
  }

  private forgetJobsNotIn(jobs: JobRow[]): void {
    const shown = new Set(jobs.map((j) => j.id));
    for (const id of this.finished.keys()) if (!shown.has(id)) this.finished.delete(id);
  }
}

