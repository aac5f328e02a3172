import { EventEmitter } from 'node:events';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from '../logger.js';
import { connectAmqp } from './connect.js';
import { TransientError } from '../errors.js';
import { BrokerRefusedError, asBrokerRefusal, classifyBrokerError } from './brokerRefusal.js';

export interface SessionOptions {
  url: string;
  connectionName: string;
  /** Declares the topology (and anything else a fresh channel needs); run after every (re)connect. */
  setup: (channel: ConfirmChannel) => Promise<void>;
  /**
   * Upkeep on throwaway channels after every (re)connect (sweepLegacyRetryQueues); it returns false while
   * something is left to do, and runs again every `housekeepingEveryMs` until it returns true. Its failures are logged.
   */
  housekeeping?: (openChannel: () => Promise<Channel>) => Promise<boolean>;
  housekeepingEveryMs?: number;
  logger: Logger;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Full jitter: a random wait up to an exponentially growing cap, so a fleet does not reconnect in lockstep. */
export function reconnectDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, minMs * 2 ** attempt);
  return Math.round(minMs + random() * (cap - minMs));
}

/**
 * The one place the fleet keeps a RabbitMQ channel alive. amqplib does not reconnect by itself: when the
 * connection or the channel closes with an error (broker restart, close_all_connections, a 406 from the
 * ack timeout) this opens a new connection and confirm channel with jittered backoff, re-declares the
 * topology, and emits 'ready' so users re-subscribe. A channel that has closed is never used again: callers
 * check `isOpen(channel)` before acking a delivery it brought (its tag means nothing to a new channel).
 *
 * A refusal reconnecting cannot fix (brokerRefusal.ts: a declaration with other arguments, a missing
 * permission, a refused login or vhost) is never retried: start() throws it, and later — the channel closed
 * by it, or a reconnect refused — `refused()` resolves with it, once, so the process drains and exits 76.
 */
export class AmqpSession extends EventEmitter {
  private connection: ChannelModel | undefined;
  private current: ConfirmChannel | undefined;
  private readonly open = new WeakSet<ConfirmChannel>();
  private closing = false;
  private reconnecting: Promise<void> | undefined;
  private housekeepingTimer: NodeJS.Timeout | undefined;
  private refusal: BrokerRefusedError | undefined;
  private readonly refusedPromise: Promise<BrokerRefusedError>;
  private resolveRefused!: (err: BrokerRefusedError) => void;

  constructor(private readonly options: SessionOptions) {
    super();
    this.refusedPromise = new Promise((resolve) => (this.resolveRefused = resolve));
  }

  /** First connection: fails fast (exit 69, or 76 when refused) so a mistyped URL is not retried forever. */
  async start(): Promise<ConfirmChannel> {
    await this.connect();
    return this.current as ConfirmChannel;
  }

  /** Resolves (never rejects) when the broker refused this session for good after start(); pending otherwise. */
  refused(): Promise<BrokerRefusedError> {
    return this.refusedPromise;
  }

  channel(): ConfirmChannel | undefined {
    return this.current;
  }

  isOpen(channel: ConfirmChannel): boolean {
    return this.open.has(channel);
  }

  /** Connected right now (for readiness). */
  isUp(): boolean {
    return this.current !== undefined;
  }

  /** A plain channel on the current connection, for queue inspection; fails while reconnecting. */
  async createChannel(): Promise<Channel> {
    if (!this.connection || !this.current) throw new TransientError('rabbitmq_reconnecting', 'RabbitMQ is reconnecting');
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    return channel;
  }

  private async connect(): Promise<void> {
    const connection = await connectAmqp(this.options.url, this.options.connectionName);
    let channel: ConfirmChannel;
    // The error a channel was closed with comes in its 'error' event; its 'close' event carries none.
    let channelError: unknown;
    try {
      channel = await connection.createConfirmChannel();
      channel.on('error', (err: Error) => {
        channelError = err;
        // A refusal is reported once, by whoever ends the process with it (exit 76).
        if (!classifyBrokerError(err, this.options.url)) this.options.logger.warn({ err }, 'RabbitMQ channel error');
      });
      await this.options.setup(channel);
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw asBrokerRefusal(err, this.options.url);
    }
    this.connection = connection;
    this.current = channel;
    this.open.add(channel);
    const lost = (what: string) => (err?: Error) => {
      this.open.delete(channel);
      if (this.current === channel) this.current = undefined;
      clearTimeout(this.housekeepingTimer);
      if (this.closing) return;
      if (what === 'channel') connection.close().catch(() => undefined);
      const refusal = asBrokerRefusal(err ?? channelError, this.options.url);
      if (refusal instanceof BrokerRefusedError) {
        this.refuse(refusal);
        return;
      }
      this.options.logger.warn({ err, what }, 'RabbitMQ connection lost: reconnecting');
      this.emit('lost');
      void this.reconnect();
    };
    channel.once('close', lost('channel'));
    connection.once('close', lost('connection'));
    this.keepHouse(connection);
    this.emit('ready', channel);
  }

  private reconnect(): Promise<void> {
    this.reconnecting ??= (async () => {
      const min = this.options.minDelayMs ?? 200;
      const max = this.options.maxDelayMs ?? 15_000;
      for (let attempt = 0; !this.closing; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempt, min, max)));
        if (this.closing) return;
        try {
          await this.connect();
          this.options.logger.info({ attempt: attempt + 1 }, 'RabbitMQ reconnected; topology declared again');
          return;
        } catch (err) {
          if (err instanceof BrokerRefusedError) {
            this.refuse(err);
            return;
          }
          this.options.logger.warn({ err, attempt: attempt + 1 }, 'RabbitMQ reconnect failed; retrying');
        }
      }
    })().finally(() => {
      this.reconnecting = undefined;
    });
    return this.reconnecting;
  }

  /** Stop reconnecting for good and tell the process (once); the process's own shutdown closes the rest. */
  private refuse(err: BrokerRefusedError): void {
    if (this.refusal || this.closing) return;
    this.refusal = err;
    this.resolveRefused(err);
  }

  /** Run the housekeeping now on this connection, and again later while it says something is left. */
  private keepHouse(connection: ChannelModel): void {
    const housekeeping = this.options.housekeeping;
    if (!housekeeping) return;
    const openChannel = () => connection.createChannel();
    const run = (): void => {
      housekeeping(openChannel).then((done) => {
        if (!done && !this.closing && this.connection === connection && this.current) {
          this.housekeepingTimer = setTimeout(run, this.options.housekeepingEveryMs ?? 10_000);
          this.housekeepingTimer.unref();
        }
      }, (err: unknown) => this.options.logger.warn({ err }, 'RabbitMQ housekeeping failed; it runs again after the next connect'));
    };
    run();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.housekeepingTimer);
    const channel = this.current;
    this.current = undefined;
    if (channel) {
      this.open.delete(channel);
      await channel.close().catch(() => undefined);
    }
    await this.connection?.close().catch(() => undefined);
  }
}
