import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { JobStateAnnouncement } from '../shared/coordinator/coordinator.js';
import { jobStateAndRangeSize } from '../shared/ledger/jobs.js';
import { STOPPED_JOB_STATES, WAITING_JOB_STATES, type JobState } from '../shared/ledger/states.js';
import type { Logger } from '../shared/logger.js';

/** What a consumer does with a range of a job in a given state. */
export type JobVerdict = 'run' | 'wait' | 'drop';

/** Job states in which no range of the job starts: a delivery in one of them spends no attempt. */
export const IDLE_JOB_STATES: readonly JobState[] = [...WAITING_JOB_STATES, ...STOPPED_JOB_STATES];

export function verdictFor(state: string | undefined): JobVerdict {
  if ((WAITING_JOB_STATES as readonly string[]).includes(state ?? '')) return 'wait';
  if ((STOPPED_JOB_STATES as readonly string[]).includes(state ?? '')) return 'drop';
  return 'run';
}

const LEDGER_POLL_MS = 1000;
/** Give a held message back before RabbitMQ's consumer_timeout (30 min by default) closes the channel. */
const MAX_HOLD_MS = 20 * 60 * 1000;

/**
 * A consumer's view of job states: announcements arrive by Redis pub/sub within milliseconds; the ledger
 * is polled once a second for jobs whose messages are being held, so a lost announcement (or a Redis
 * outage) delays a resume by a second at most and never loses it.
 */
export class JobStateWatcher {
  private readonly states = new Map<number, string>();
  private readonly rangeSizes = new Map<number, number>();
  private readonly forceListeners = new Set<(jobId: number) => void>();

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (_channel: string, raw: string) => this.onAnnouncement(raw));
    await this.subscriber.subscribe(this.channel);
  }

  onForceCancel(listener: (jobId: number) => void): void {
    this.forceListeners.add(listener);
  }

  /** The state last seen for a job; undefined when unknown (the ledger check inside the range decides). */
  known(jobId: number): string | undefined {
    return this.states.get(jobId);
  }

  remember(jobId: number, state: string): void {
    this.states.set(jobId, state);
  }

  async fromLedger(jobId: number): Promise<string | undefined> {
    const row = await jobStateAndRangeSize(this.pool, jobId);
    if (row) {
      this.states.set(jobId, row.state);
      this.rangeSizes.set(jobId, row.rangeSize);
    }
    return row?.state;
  }

  /** The job's range size: what one range costs of the fleet-wide rate budget. */
  async rangeSizeOf(jobId: number): Promise<number> {
    if (!this.rangeSizes.has(jobId)) await this.fromLedger(jobId);
    return this.rangeSizes.get(jobId) ?? 1;
  }

  /**
   * Hold a message of a paused job without spinning: resolve when the job may run again ('run'), when it
   * was cancelled ('drop'), when the consumer is shutting down or the hold grew too long ('release').
   */
  async waitWhilePaused(jobId: number, stopping: () => boolean): Promise<JobVerdict | 'release'> {
    const started = Date.now();
    let lastLedgerCheck = 0;
    for (;;) {
      if (stopping() || Date.now() - started > MAX_HOLD_MS) return 'release';
      if (Date.now() - lastLedgerCheck >= LEDGER_POLL_MS) {
        lastLedgerCheck = Date.now();
        await this.fromLedger(jobId).catch(() => undefined);
      }
      const verdict = verdictFor(this.states.get(jobId));
      if (verdict !== 'wait') return verdict;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private onAnnouncement(raw: string): void {
    try {
      const announcement = JSON.parse(raw) as JobStateAnnouncement;
      if (!Number.isInteger(announcement.jobId) || typeof announcement.state !== 'string') return;
      this.states.set(announcement.jobId, announcement.state);
      this.logger.info({ jobId: announcement.jobId, state: announcement.state, force: announcement.force }, 'job state announced');
      if (announcement.force) for (const listener of this.forceListeners) listener(announcement.jobId);
    } catch {
      this.logger.warn('ignoring a malformed job state announcement');
    }
  }
}
