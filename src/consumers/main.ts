import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { AmqpSession } from '../shared/amqp/session.js';
import { declareTopology } from '../shared/amqp/topology.js';
import { sweepLegacyRetryQueues } from '../shared/amqp/legacyRetryQueues.js';
import type { Config } from '../shared/config.js';
import { Coordinator } from '../shared/coordinator/coordinator.js';
import { checkConnection, createPool } from '../shared/db/pool.js';
import { Closer, runUntilStopped } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import { fleetNames } from '../shared/names.js';
import { connectRedis } from '../shared/redis.js';
import { RangeConsumer } from './rangeConsumer.js';
import { JobStateWatcher } from './jobStateWatcher.js';
import { serveConsumerMetrics } from '../shared/metrics/processMetrics.js';

export interface ConsumerOptions {
  prefetch: number;
}

/** Wire a consumer process together and run it until SIGTERM/SIGINT; resolves when it has shut down. */
export async function runConsumer(config: Config, options: ConsumerOptions, logger: Logger): Promise<void> {
  const names = fleetNames(config.TRACKTION_NAMESPACE);
  const consumerId = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const closer = new Closer(logger);
  try {
    const pool = createPool(config.DATABASE_URL, { applicationName: `tracktion-consumer ${consumerId}`, max: options.prefetch + 2 });
    closer.add('PostgreSQL pool', () => pool.end());
    await checkConnection(pool, config.DATABASE_URL);
    const redis = await connectRedis(config.REDIS_URL, { connectionName: `consumer-${consumerId}`, persistent: true });
    closer.add('Redis', () => redis.quit());
    // Subscribed connections can only listen, so job state announcements get a connection of their own.
    const subscriber = await connectRedis(config.REDIS_URL, { connectionName: `consumer-${consumerId}-sub`, persistent: true });
    closer.add('Redis subscriber', () => subscriber.quit());
    const coordinator = new Coordinator(redis, names.redisPrefix);
    const watcher = new JobStateWatcher(subscriber, coordinator.keys.stateChannel(), pool, logger);
    await watcher.start();
    const session = new AmqpSession({
      url: config.RABBITMQ_URL, connectionName: `tracktion-consumer ${consumerId}`, logger,
      setup: (channel) => declareTopology(channel, names),
      housekeeping: (openChannel) => sweepLegacyRetryQueues(openChannel, names),
    });
    await session.start();
    closer.add('RabbitMQ session', () => session.close());
    const metrics = await serveConsumerMetrics(config, logger, { pool, redis, amqp: session });
    closer.add('metrics server', () => metrics.close());

    const consumer = new RangeConsumer(
      { session, pool, coordinator, watcher, names, logger, metrics: metrics.observer },
      {
        consumerId, prefetch: options.prefetch, maxAttempts: config.BACKFILL_MAX_ATTEMPTS,
        statementTimeoutMs: config.RANGE_STATEMENT_TIMEOUT_MS, chunkRows: config.CONSUMER_CHUNK_ROWS, heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS,
        maxBlobBytes: config.CONVERSION_MAX_BLOB_BYTES, retryBaseMs: config.BACKFILL_RETRY_BASE_MS,
      },
    );
    // A broker refusal drains like SIGTERM: ranges in hand finish (their channel is gone, so the broker has
    // already put their messages back; the redelivery finds them done in the ledger), then exit 76.
    const stopped = runUntilStopped(async () => {
      const finished = await consumer.drain(config.SHUTDOWN_GRACE_MS);
      logger.info({ finished }, finished ? 'drained: every range in hand finished' : 'grace period over: unfinished ranges roll back');
    }, logger, session.refused());
    await consumer.start();
    logger.info({ consumerId, queue: names.workQueue, prefetch: options.prefetch }, 'consumer started');
    await stopped;
  } finally {
    await closer.close();
  }
}
