import type { ConfirmChannel } from 'amqplib';
import type pg from 'pg';
import type { PlannedRange } from '../ledger/ranges.js';
import { markPublished } from '../ledger/ranges.js';
import type { FleetNames } from '../names.js';
import { TransientError } from '../errors.js';
import { encodeRangeMessage } from '../rangeMessage.js';

/**
 * Publish range messages and record them as published only after the broker confirmed them. A crash
 * between publish and confirm leaves the range `pending`: the rerun publishes it again, and the
 * consumers' ledger check makes that duplicate harmless.
 */
export class RangePublisher {
  /** A fixed channel, or the current channel of a reconnecting session (undefined while it reconnects). */
  private readonly channelOf: () => ConfirmChannel | undefined;

  constructor(
    channel: ConfirmChannel | (() => ConfirmChannel | undefined),
    private readonly db: pg.Pool,
    private readonly names: FleetNames,
  ) {
    this.channelOf = typeof channel === 'function' ? channel : () => channel;
  }

  private get channel(): ConfirmChannel {
    const channel = this.channelOf();
    // A request that fails here is retried by BullMQ; what was not confirmed is published again then.
    if (!channel) throw new TransientError('rabbitmq_reconnecting', 'RabbitMQ is reconnecting: ranges cannot be published right now');
    return channel;
  }

  async publish(jobId: number, ranges: PlannedRange[], attempt = 1): Promise<void> {
    if (ranges.length === 0) return;
    const channel = this.channel;
    for (const range of ranges) {
      const body = encodeRangeMessage({ v: 1, jobId, rangeId: range.rangeId, startId: range.startId, endId: range.endId });
      const ok = channel.publish(this.names.workExchange, this.names.workRoutingKey, body, {
        persistent: true,
        contentType: 'application/json',
        messageId: `${jobId}:${range.rangeId}:${attempt}`,
        headers: { 'x-attempt': attempt },
      });
      // Respect the channel's flow control instead of buffering without bound.
      if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
    await markPublished(this.db, jobId, ranges.map((r) => r.rangeId));
  }

}
