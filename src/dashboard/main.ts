import { connectAmqp } from '../shared/amqp/connect.js';
import type { Config } from '../shared/config.js';
import { Coordinator } from '../shared/coordinator/coordinator.js';
import { checkConnection, createPool } from '../shared/db/pool.js';
import { startHttpServer, type RunningServer } from '../shared/http/server.js';
import { Closer, runUntilStopped } from '../shared/lifecycle.js';
import { BrokerRefusedError } from '../shared/amqp/brokerRefusal.js';
import type { Logger } from '../shared/logger.js';
import { EventLoopWatch } from '../shared/metrics/eventLoopWatch.js';
import { FleetSampler } from '../operations/status/fleetSampler.js';
import { opsHandler } from '../shared/metrics/opsServer.js';
import { QueueInspector } from '../operations/status/queueInspector.js';
import { connectionsReady } from '../shared/metrics/readiness.js';
import { DashboardMetrics, createRegistry } from '../shared/metrics/registry.js';
import { fleetNames } from '../shared/names.js';
import { connectRedis } from '../shared/redis.js';
import { DashboardDeadLetters } from './deadLetterQueue.js';
import { fleetIdentity } from './identity.js';
import { dashboardHandler } from './routes.js';
import { DashboardState } from './state.js';

export interface DashboardOptions {
  port: number;
  host: string;
  /** Told the address once the server listens (the CLI prints it). */
  onListening?: (server: RunningServer) => void;
}

/**
 * Wire the dashboard: PostgreSQL and Redis (required: the ledger and the coordinator), RabbitMQ for queue
 * depth (optional: opened on demand, the page says when the broker is not reachable), a sampling loop, and
 * one HTTP server for the page, its API, and /metrics, /healthz, /readyz. Runs until SIGTERM/SIGINT.
 */
export async function runDashboard(config: Config, options: DashboardOptions, logger: Logger): Promise<void> {
  const names = fleetNames(config.TRACKTION_NAMESPACE);
  const closer = new Closer(logger);
  try {
    const pool = createPool(config.DATABASE_URL, { applicationName: 'tracktion-dashboard', max: 3 });
    closer.add('PostgreSQL pool', () => pool.end());
    await checkConnection(pool, config.DATABASE_URL);
    const redis = await connectRedis(config.REDIS_URL, { connectionName: 'tracktion-dashboard', persistent: true });
    closer.add('Redis', () => redis.quit());
    // The broker is optional (unreachable: the page says so), but a refused login or vhost is a wrong
    // RABBITMQ_URL that waiting cannot fix: the dashboard exits 76, like the fleet.
    let refuse: (err: BrokerRefusedError) => void = () => undefined;
    const refused = new Promise<BrokerRefusedError>((resolve) => (refuse = resolve));
    const queues = new QueueInspector(async () => {
      const connection = await connectAmqp(config.RABBITMQ_URL, 'tracktion-dashboard').catch((err: unknown) => {
        if (err instanceof BrokerRefusedError) refuse(err);
        throw err;
      });
      const channel = await connection.createChannel();
      return { channel, close: () => connection.close() };
    }, names);
    closer.add('RabbitMQ', () => queues.close());

    const coordinator = new Coordinator(redis, names.redisPrefix);
    const sampler = new FleetSampler({ pool, coordinator, names, queues, heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS });
    const identity = fleetIdentity(config.TRACKTION_NAMESPACE, config.DATABASE_URL);
    const state = new DashboardState({ sampler, pool, logger, actionsEnabled: Boolean(config.DASHBOARD_TOKEN), identity });
    await state.start();
    closer.add('sampling', () => state.stop());

    const deadLetters = new DashboardDeadLetters({ pool, names, rabbitmqUrl: config.RABBITMQ_URL });
    closer.add('dead-letter passes', () => deadLetters.settled());

    const registry = createRegistry('dashboard');
    const metrics = new DashboardMetrics(registry);
    const watch = new EventLoopWatch();
    closer.add('event loop watch', () => watch.stop());
    const server = await startHttpServer(options.host, options.port, [
      opsHandler({ registry, ready: connectionsReady({ pool, redis }), watch }),
      dashboardHandler({ state, deadLetters, metrics, control: { pool, coordinator }, token: config.DASHBOARD_TOKEN, logger, listenHost: options.host,
        repair: { pool, coordinator, names, rabbitmqUrl: config.RABBITMQ_URL, heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS } }),
    ], (err) => logger.error({ err }, 'dashboard request failed'));
    closer.add('HTTP server', () => server.close());
    logger.info({ url: server.url, actions: Boolean(config.DASHBOARD_TOKEN) }, 'dashboard listening');
    options.onListening?.(server);

    await runUntilStopped(async () => undefined, logger, refused);
  } finally {
    await closer.close();
  }
}
