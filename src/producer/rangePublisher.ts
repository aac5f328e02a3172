import type { ConfirmChannel } from 'amqplib';
import type pg from 'pg';
import type { PlannedRange } from '../shared/ledger/ranges.js';
import { markPublished } from '../shared/ledger/ranges.js';
import type { FleetNames } from '../shared/names.js';
import { encodeRangeMessage } from '../shared/rangeMessage.js';

/**
 * Publish range messages and record them as published only after the broker confirmed them. A crash
 * between publish and confirm leaves the range `pending`: the rerun publishes it again, and the
 * consumers' ledger check makes that duplicate harmless.
 */
export class RangePublisher {
  constructor(
    private readonly channel: ConfirmChannel,
    private readonly db: pg.Pool,
    private readonly names: FleetNames,
  ) {}

  async publish(jobId: number, ranges: PlannedRange[], attempt = 1): Promise<void> {
    if (ranges.length === 0) return;
    for (const range of ranges) {
      const body = encodeRangeMessage({ v: 1, jobId, rangeId: range.rangeId, startId: range.startId, endId: range.endId });
      const ok = this.channel.publish(this.names.workExchange, this.names.workRoutingKey, body, {
        persistent: true,
        contentType: 'application/json',
        messageId: `${jobId}:${range.rangeId}:${attempt}`,
        headers: { 'x-attempt': attempt },
      });
      // Respect the channel's flow control instead of buffering without bound.
      if (!ok) await new Promise((resolve) => this.channel.once('drain', resolve));
    }
    await this.channel.waitForConfirms();
    await markPublished(this.db, jobId, ranges.map((r) => r.rangeId));
  }

  /** The confirm channel, for queue inspection by the same caller. */
  get inspectionChannel(): ConfirmChannel {
    return this.channel;
  }
}
