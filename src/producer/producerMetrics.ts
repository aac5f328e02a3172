import type { Config } from '../shared/config.js';
import { Coordinator } from '../shared/coordinator/coordinator.js';
import type { Logger } from '../shared/logger.js';
import { fleetNames } from '../shared/names.js';
import type { ProcessConnections } from '../shared/metrics/processMetrics.js';
import { startOpsServer } from '../shared/metrics/opsServer.js';
import { connectionsReady } from '../shared/metrics/readiness.js';
import { FleetMetrics, createRegistry } from '../shared/metrics/registry.js';
import { FleetGaugeLoop } from '../operations/status/fleetGauges.js';
import { FleetSampler } from '../operations/status/fleetSampler.js';
import { QueueInspector } from '../operations/status/queueInspector.js';

/** How often the producer samples the fleet into its gauges (a scrape every 15 s sees fresh values). */
const FLEET_SAMPLE_MS = 5000;

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
  }, names);
  const sampler = new FleetSampler({ pool: connections.pool, coordinator: new Coordinator(connections.redis, names.redisPrefix), names,
    queues, heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS });
  const loop = new FleetGaugeLoop(sampler, new FleetMetrics(registry), logger, FLEET_SAMPLE_MS, config.METRICS_FINISHED_JOB_TTL,
    config.AUTOSCALE_RANGES_PER_CONSUMER);
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
