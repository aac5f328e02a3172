import type { Channel } from 'amqplib';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Config } from '../config.js';
import { Coordinator } from '../coordinator/coordinator.js';
import type { Logger } from '../logger.js';
import { fleetNames } from '../names.js';
import { FleetGaugeLoop } from './fleetGauges.js';
import { FleetSampler } from './fleetSampler.js';
import { startOpsServer } from './opsServer.js';
import { QueueInspector } from './queueInspector.js';
import { rangeObserver, type RangeObserver } from './rangeObserver.js';
import { connectionsReady } from './readiness.js';
import { ConsumerMetrics, FleetMetrics, createRegistry } from './registry.js';

/** The connections of a fleet process, for readiness and (producer) fleet sampling. */
export interface ProcessConnections {
  pool: pg.Pool;
  redis: Redis;
  amqp: { isUp(): boolean; createChannel(): Promise<Channel> };
}

/** How often the producer samples the fleet into its gauges (a scrape every 15 s sees fresh values). */
const FLEET_SAMPLE_MS = 5000;

/** A consumer's metrics: the observer its RangeConsumer reports to, and the server that exports them. */
export async function serveConsumerMetrics(config: Config, logger: Logger, connections: ProcessConnections): Promise<{ observer: RangeObserver; close(): Promise<void> }> {
  const registry = createRegistry('consumer');
  const observer = rangeObserver(new ConsumerMetrics(registry));
  const server = await startOpsServer({ port: config.METRICS_PORT, host: config.METRICS_HOST, registry,
    ready: connectionsReady(connections), logger, role: 'consumer' });
  return { observer, close: async () => server?.close() };
}

/**
 * The producer's metrics: fleet-wide gauges (queue depth, consumers, job progress, ETA, throttle) sampled
 * every few seconds on a channel of their own, and the server that exports them.
 */
export async function serveProducerMetrics(config: Config, logger: Logger, connections: ProcessConnections): Promise<{ close(): Promise<void> }> {
  if (config.METRICS_PORT === null) return { close: async () => undefined };
  const registry = createRegistry('producer');
  const names = fleetNames(config.TRACKTION_NAMESPACE);
  const queues = new QueueInspector(async () => {
    const channel = await connections.amqp.createChannel();
    return { channel, close: () => channel.close() };
  }, names, config.BACKFILL_MAX_ATTEMPTS);
  const sampler = new FleetSampler({ pool: connections.pool, coordinator: new Coordinator(connections.redis, names.redisPrefix), names,
    queues, maxAttempts: config.BACKFILL_MAX_ATTEMPTS, heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS });
  const loop = new FleetGaugeLoop(sampler, new FleetMetrics(registry), logger, FLEET_SAMPLE_MS);
  const server = await startOpsServer({ port: config.METRICS_PORT, host: config.METRICS_HOST, registry,
    ready: connectionsReady(connections), logger, role: 'producer' });
  loop.start();
  return {
    close: async () => {
      await server?.close();
      await loop.stop();
      await queues.close();
    },
  };
}
