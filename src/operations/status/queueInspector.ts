import type { Channel } from 'amqplib';
import { readQueueDepth, type QueueDepth } from '../../shared/amqp/queueDepth.js';
import { TransientError } from '../../shared/errors.js';
import type { FleetNames } from '../../shared/names.js';

/** A channel for inspection and how to let it go (a dashboard also closes the connection it opened for it). */
export interface InspectionChannel {
  channel: Channel;
  close(): Promise<void>;
}

/** After a failed open, wait this long before trying again: a dashboard must not hammer a broker that is down. */
const REOPEN_AFTER_MS = 5000;

/**
 * Reads queue depths with passive declares (checkQueue) on a channel of its own: a checkQueue of a missing
 * queue closes its channel, which must never be the channel that publishes or consumes. The channel is
 * opened on first use and again after it closed.
 */
export class QueueInspector {
  private current: Promise<InspectionChannel> | undefined;
  private failedAt = 0;

  constructor(
    private readonly open: () => Promise<InspectionChannel>,
    private readonly names: FleetNames,
  ) {}

  /** Depth, or null when the broker cannot be asked right now (not reachable, queues not declared yet). */
  async depth(inHand: number): Promise<QueueDepth | null> {
    let link: InspectionChannel;
    try {
      link = await this.channel();
    } catch {
      return null;
    }
    try {
      return await readQueueDepth(link.channel, this.names, inHand);
    } catch {
      this.forget(link);
      return null;
    }
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current) await current.then((link) => link.close(), () => undefined).catch(() => undefined);
  }

  private channel(): Promise<InspectionChannel> {
    if (!this.current) {
      if (this.failedAt > 0 && performance.now() - this.failedAt < REOPEN_AFTER_MS) return Promise.reject(new TransientError('service_unavailable', 'broker recently unreachable'));
      const opening = this.open().then((link) => {
        link.channel.on('error', () => undefined);
        link.channel.on('close', () => {
          if (this.current === opening) this.current = undefined;
          void link.close().catch(() => undefined);
        });
        return link;
      });
      opening.catch(() => {
        this.failedAt = performance.now();
        if (this.current === opening) this.current = undefined;
      });
      this.current = opening;
    }
    return this.current;
  }

  private forget(link: InspectionChannel): void {
    this.current = undefined;
    this.failedAt = performance.now();
    void link.close().catch(() => undefined);
  }
}
