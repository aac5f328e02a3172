import type { Channel, ChannelModel } from 'amqplib';
import { connectAmqp } from '../shared/amqp/connect.js';
import { RangePublisher } from '../shared/amqp/rangePublisher.js';
import { UsageError } from '../shared/errors.js';
import { listDeadLetters, purgeDeadLetters, requeueDeadLetters, type DeadLetterListing, type RequeueReport } from '../operations/deadLetters.js';
import type { RepairDeps } from './repairActions.js';

/** Dead letters the page lists: enough to read the reasons; `backfill dlq list` has them all. */
export const DEAD_LETTERS_SHOWN = 50;

/**
 * A listing is re-read at most this often, however many pages ask: each read takes the queue's messages off it
 * for a moment (see deadLetters.ts), so the page's 2 s rhythm must not drive it.
 */
export const DEAD_LETTERS_REFRESH_MS = 5000;

/** Different job filters cached at once; more within one refresh period are refused (429), not queued. */
const MAX_CACHED_FILTERS = 20;

export type DeadLetterDeps = Pick<RepairDeps, 'pool' | 'names' | 'rabbitmqUrl'>;

export interface DeadLetterPage extends DeadLetterListing {
  readAt: string;
}

export interface PurgeReport {
  purged: number;
  applied: boolean;
}

/** Too many distinct filters asked for within one refresh period. */
export class BusyError extends Error {}

/**
 * The dashboard's side of `backfill dlq list|requeue|purge`: the same operations, each on its own short-lived
 * RabbitMQ connection (a button press is rare; a kept connection would be one more thing to reconnect).
 *
 * Every pass over the queue runs one at a time: a listing holds the messages unacked while it reads, and a
 * purge or requeue running meanwhile would not see them (RabbitMQ purges only ready messages) — they would
 * come back after the purge that was meant to delete them.
 */
export class DashboardDeadLetters {
  private readonly cache = new Map<string, { at: number; page: Promise<DeadLetterPage> }>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DeadLetterDeps, private readonly refreshMs = DEAD_LETTERS_REFRESH_MS) {}

  /** The first DEAD_LETTERS_SHOWN dead letters (of `jobId`, when given), read anew at most every refreshMs. */
  list(jobId: number | undefined): Promise<DeadLetterPage> {
    const now = performance.now();
    for (const [key, entry] of this.cache) if (now - entry.at >= this.refreshMs) this.cache.delete(key);
    const key = String(jobId ?? 'all');
    const cached = this.cache.get(key);
    if (cached) return cached.page;
    if (this.cache.size >= MAX_CACHED_FILTERS) return Promise.reject(new BusyError('too many different dead-letter filters asked for at once; try again in a few seconds'));
    const page = this.serially((channel) => listDeadLetters({ channel, names: this.deps.names }, { jobId, limit: DEAD_LETTERS_SHOWN }))
      .then((listing) => ({ ...listing, readAt: new Date().toISOString() }));
    this.cache.set(key, { at: now, page });
    return page;
  }

  /** `dlq requeue --yes`: checked against the ledger, open ranges republished with confirms. */
  async requeue(jobId: number | undefined): Promise<RequeueReport> {
    try {
      return await this.serially(async (channel, connection) => {
        const confirm = await connection.createConfirmChannel();
        confirm.on('error', () => undefined);
        const publisher = new RangePublisher(confirm, this.deps.pool, this.deps.names);
        return requeueDeadLetters({ dlq: { channel, names: this.deps.names }, pool: this.deps.pool, publisher }, { jobId, apply: true });
      });
    } finally {
      this.cache.clear();
    }
  }

  /** `dlq purge --yes`. */
  async purge(jobId: number | undefined): Promise<PurgeReport> {
    try {
      const purged = await this.serially((channel) => purgeDeadLetters({ channel, names: this.deps.names }, { jobId, apply: true }));
      return { purged, applied: true };
    } finally {
      this.cache.clear();
    }
  }

  /** Resolves once the pass under way (if any) is over: shutdown waits for it before closing the pool. */
  async settled(): Promise<void> {
    await this.tail;
  }

  /** Run `work` after every pass before it, on a connection of its own, closed after (its held messages go back). */
  private serially<T>(work: (channel: Channel, connection: ChannelModel) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      let connection: ChannelModel | undefined;
      try {
        connection = await connectAmqp(this.deps.rabbitmqUrl, 'tracktion-dashboard dead letters');
        const channel = await connection.createChannel();
        // A passive check on a missing queue closes its channel: the connection's error would otherwise be unhandled.
        channel.on('error', () => undefined);
        return await work(channel, connection);
      } finally {
        await connection?.close().catch(() => undefined);
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** One line for the page's notice: what the requeue did (the words of `backfill dlq requeue`). */
export function requeueSummary(r: RequeueReport): string {
  const kept = r.keptFailed > 0 ? `; kept ${r.keptFailed} of failed ranges (Retry failed on job ${r.keptFailedJobs.join(', ')} reopens them)` : '';
  return `${r.examined} dead letter(s) checked: republished ${r.republished} (${r.rangesRepublished} open range(s)), dropped ${r.dropped}${kept}`;
}

export function purgeSummary(r: PurgeReport): string {
  return `purged ${r.purged} dead letter(s)`;
}

/** A job filter from a query string or a JSON body: absent, or a job id. */
export function jobFilter(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^[1-9]\d{0,14}$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) return n;
  throw new UsageError('job must be a job id (a positive whole number)');
}
