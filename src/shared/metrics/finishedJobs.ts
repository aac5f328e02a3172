import type pg from 'pg';
import { FINAL_JOB_STATES, getJob, type JobState } from '../ledger/jobs.js';
import type { Logger } from '../logger.js';
import type { JobSeries } from './jobSeries.js';

/**
 * Finished jobs' series are kept for METRICS_FINISHED_JOB_TTL after the job ends (their last values stay on
 * dashboards and in alerts that long), then dropped. The producer applies it to each fleet sample; a consumer
 * sweeps the jobs it has series for.
 */

/** True when the job is in a final state and ended more than `ttlSeconds` ago (or ended at an unknown time). */
export function finishedBeyondTtl(job: { state: string; finishedAt: Date | string | null }, ttlSeconds: number, nowMs: number): boolean {
  if (!FINAL_JOB_STATES.includes(job.state as JobState)) return false;
  if (job.finishedAt === null) return true;
  return nowMs - new Date(job.finishedAt).getTime() >= ttlSeconds * 1000;
}

/** A job's state and end as the ledger has them; undefined when the ledger no longer has the job. */
export type JobEndLookup = (jobId: number) => Promise<{ state: string; finishedAt: Date | null } | undefined>;

export const jobEndFromLedger = (pool: pg.Pool): JobEndLookup => async (jobId) => getJob(pool, jobId);

/** A consumer's sweep: every so often, drop the series of jobs it stopped counting for that have finished long enough. */
export class FinishedJobSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly jobs: JobSeries, private readonly lookup: JobEndLookup, private readonly ttlSeconds: number,
    private readonly logger: Logger, private readonly now: () => number = Date.now) {}

  /** One pass; resolves with the jobs whose series were dropped. Only jobs idle for the TTL are looked up. */
  async once(): Promise<number[]> {
    const dropped: number[] = [];
    for (const jobId of this.jobs.idleFor(this.ttlSeconds)) {
      const job = await this.lookup(jobId);
      if (job && !finishedBeyondTtl(job, this.ttlSeconds, this.now())) continue;
      this.jobs.forget(jobId);
      dropped.push(jobId);
    }
    return dropped;
  }

  /** Every TTL, at most every minute (a tiny TTL in tests sweeps as often as it asks). */
  start(): void {
    const intervalMs = Math.min(this.ttlSeconds, 60) * 1000;
    this.timer = setInterval(() => {
      this.running ??= this.once()
        .then(() => undefined, (err: unknown) => this.logger.warn({ err }, 'dropping finished jobs\' metric series failed; next round retries'))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
