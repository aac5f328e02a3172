import type { Channel } from 'amqplib';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startOpsServer } from './opsServer.js';
import { rangeObserver, type RangeObserver } from './rangeObserver.js';
import { connectionsReady } from './readiness.js';
import { ConsumerMetrics, createRegistry } from './registry.js';

/** The connections of a fleet process, for readiness and (producer) fleet sampling. */
export interface ProcessConnections {
  pool: pg.Pool;
  redis: Redis;
  amqp: { isUp(): boolean; createChannel(): Promise<Channel> };
}

/** A consumer's metrics: the observer its RangeConsumer reports to, and the server that exports them. */
export async function serveConsumerMetrics(config: Config, logger: Logger, connections: ProcessConnections): Promise<{ observer: RangeObserver; close(): Promise<void> }> {
  const registry = createRegistry('consumer');
  const observer = rangeObserver(new ConsumerMetrics(registry));
  const server = await startOpsServer({ port: config.METRICS_PORT, host: config.METRICS_HOST, registry,
    ready: connectionsReady(connections), logger, role: 'consumer' });
  return { observer, close: async () => server?.close() };
}
