import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { connectAmqp } from '../shared/amqp/connect.js';
import { getConfig, type Config } from '../shared/config.js';
import { Coordinator } from '../shared/coordinator/coordinator.js';
import { checkConnection, createPool } from '../shared/db/pool.js';
import { Closer } from '../shared/lifecycle.js';
import { fleetNames, type FleetNames } from '../shared/names.js';
import { connectRedis } from '../shared/redis.js';
import type { StatusDeps } from '../operations/status/jobStatus.js';
import { QueueInspector } from '../operations/status/queueInspector.js';

/**
 * Connections a one-shot ops command needs, opened on first use and closed together.
 * RabbitMQ is optional for reports: status still answers from the ledger when the broker is down.
 */
export class FleetContext {
  readonly config: Config = getConfig();
  readonly names: FleetNames = fleetNames(this.config.TRACKTION_NAMESPACE);
  private readonly closer = new Closer();
  private poolPromise: Promise<pg.Pool> | undefined;
  private redisPromise: Promise<Redis> | undefined;
  private amqpPromise: Promise<{ connection: ChannelModel; channel: Channel }> | undefined;
  private confirmPromise: Promise<ConfirmChannel> | undefined;

  pool(): Promise<pg.Pool> {
    this.poolPromise ??= (async () => {
      const pool = createPool(this.config.DATABASE_URL, { applicationName: 'tracktion-migrate cli', max: 2 });
      this.closer.add('PostgreSQL pool', () => pool.end());
      await checkConnection(pool, this.config.DATABASE_URL);
      return pool;
    })();
    return this.poolPromise;
  }

  redis(): Promise<Redis> {
    this.redisPromise ??= (async () => {
      const redis = await connectRedis(this.config.REDIS_URL, { connectionName: 'tracktion-migrate-cli', persistent: false });
      this.closer.add('Redis', () => redis.quit());
      return redis;
    })();
    return this.redisPromise;
  }

  async coordinator(): Promise<Coordinator> {
    return new Coordinator(await this.redis(), this.names.redisPrefix);
  }

  /** A channel for queue inspection; each checkQueue on a missing queue closes a channel, so reuse carefully. */
  async channel(): Promise<Channel> {
    this.amqpPromise ??= (async () => {
      const connection = await connectAmqp(this.config.RABBITMQ_URL, 'tracktion-migrate cli');
      this.closer.add('RabbitMQ', () => connection.close());
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      return { connection, channel };
    })();
    return (await this.amqpPromise).channel;
  }

  /** A confirm channel on the same connection, for commands that publish ranges. */
  async confirmChannel(): Promise<ConfirmChannel> {
    this.confirmPromise ??= (async () => {
      await this.channel();
      const { connection } = await (this.amqpPromise as Promise<{ connection: ChannelModel }>);
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      return channel;
    })();
    return this.confirmPromise;
  }

  async statusDeps(options: { requireBroker: boolean }): Promise<StatusDeps> {
    let queues: QueueInspector | null = null;
    try {
      await this.channel();
      const { connection } = await (this.amqpPromise as Promise<{ connection: ChannelModel }>);
      // Its own channel: a passive declare of a queue no fleet process has declared yet closes the channel it ran on.
      queues = new QueueInspector(async () => {
        const channel = await connection.createChannel();
        return { channel, close: () => channel.close() };
      }, this.names);
      this.closer.add('queue inspector', () => (queues as QueueInspector).close());
    } catch (err) {
      if (options.requireBroker) throw err;
    }
    return {
      pool: await this.pool(), coordinator: await this.coordinator(), names: this.names, queues,
      heartbeatTtlSeconds: this.config.HEARTBEAT_TTL_SECONDS,
    };
  }

  close(): Promise<void> {
    return this.closer.close();
  }
}

/** Run a command body with a context that is always closed afterwards. */
export async function withFleet<T>(body: (ctx: FleetContext) => Promise<T>): Promise<T> {
  const ctx = new FleetContext();
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}
