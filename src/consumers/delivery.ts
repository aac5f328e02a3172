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
 * `settled` says whether the message has left this consumer's hands (acked, given back, or its channel
 * closed): the consumer gives back every delivery that ends without it (RangeConsumer).
 */
export class Delivery {
  /** Unique in this process (delivery tags restart at 1 on every channel). */
  readonly key = String(++sequence);
  private done = false;

  constructor(
    readonly message: ConsumeMessage,
    private readonly channel: ConfirmChannel,
    private readonly liveness: ChannelLiveness,
    private readonly names: FleetNames,
    private readonly logger: Logger,
    private readonly retryBaseMs: number,
  ) {}

  get settled(): boolean {
    return this.done;
  }

  private usable(action: string): boolean {
    if (this.liveness.isOpen(this.channel)) return true;
    this.logger.info({ action }, 'the channel of this delivery has closed: the broker redelivers it');
    this.done = true;
    return false;
  }

  ack(): void {
    if (this.usable('ack')) this.channel.ack(this.message);
    this.done = true;
  }

  /** Give the message back to the queue (shutdown, held too long, or handling failed before it was settled). */
  requeue(): void {
    if (!this.usable('requeue')) return;
    try {
      this.channel.nack(this.message, false, true);
    } catch (err) {
      // Only a channel that is closing refuses a nack: the broker then puts the message back by itself.
      this.logger.warn({ err }, 'could not give the message back: its channel is closing, the broker redelivers it');
    }
    this.done = true;
  }

  /** Copy to the retry queue of this attempt (confirmed), then ack. Throws, unsettled, when the copy was not confirmed. */
  async retry(attempt: number, reason: string): Promise<void> {
    if (!this.usable('retry')) return;
    await publishToRetry(this.channel, this.names, this.message, { attempt, retryBaseMs: this.retryBaseMs }, reason);
    this.ack();
  }

  /** Park in the dead-letter queue with the reason (confirmed), then ack. Throws, unsettled, when the copy was not confirmed. */
  async deadLetter(reason: string): Promise<void> {
    if (!this.usable('dead-letter')) return;
    await publishToDead(this.channel, this.names, this.message, reason);
    this.ack();
  }
}
