import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../shared/logger.js';
import type { FleetNames } from '../shared/names.js';
import { publishToDead, publishToRetry } from './deliveryRouting.js';

/** What a delivery needs to know of the channel's life (AmqpSession). */
export interface ChannelLiveness {
  isOpen(channel: ConfirmChannel): boolean;
}

let sequence = 0;

/**
 * One message in hand, bound to the channel that delivered it. Its tag means nothing to any other
 * channel, so once that channel has closed (a reconnect happened) every settlement is skipped: the broker
 * has already put the message back and will deliver it again — where the ledger check makes it harmless.
 */
export class Delivery {
  /** Unique in this process (delivery tags restart at 1 on every channel). */
  readonly key = String(++sequence);

  constructor(
    readonly message: ConsumeMessage,
    private readonly channel: ConfirmChannel,
    private readonly liveness: ChannelLiveness,
    private readonly names: FleetNames,
    private readonly logger: Logger,
  ) {}

  private usable(action: string): boolean {
    if (this.liveness.isOpen(this.channel)) return true;
    this.logger.info({ action }, 'the channel of this delivery has closed: the broker redelivers it');
    return false;
  }

  ack(): void {
    if (this.usable('ack')) this.channel.ack(this.message);
  }

  /** Give the message back to the queue (shutdown, or held too long). */
  requeue(): void {
    if (this.usable('requeue')) this.channel.nack(this.message, false, true);
  }

  /** Copy to the retry queue of this attempt (confirmed), then ack. */
  async retry(attempt: number, reason: string): Promise<void> {
    if (!this.usable('retry')) return;
    await publishToRetry(this.channel, this.names, this.message, attempt, reason);
    this.ack();
  }

  /** Park in the dead-letter queue with the reason (confirmed), then ack. */
  async deadLetter(reason: string): Promise<void> {
    if (!this.usable('dead-letter')) return;
    await publishToDead(this.channel, this.names, this.message, reason);
    this.ack();
  }
}
