import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { pathOf, send, sendJson, startHttpServer, type Handler, type RunningServer } from '../http/server.js';
import { EventLoopWatch } from './eventLoopWatch.js';
import type { ReadinessCheck } from './readiness.js';

/**
 * The operations endpoints every long-running process serves:
 *   GET /metrics  Prometheus text format (prom-client registry)
 *   GET /healthz  200 while the event loop turns (liveness: restart me when this fails)
 *   GET /readyz   200 while the process's connections are open and usable (readiness)
 */
export interface OpsEndpoints {
  registry: Registry;
  ready: ReadinessCheck;
  watch: EventLoopWatch;
}

export function opsHandler(ops: OpsEndpoints): Handler {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    switch (pathOf(req)) {
      case '/metrics':
        send(res, 200, ops.registry.contentType, await ops.registry.metrics(), { 'Cache-Control': 'no-store' });
        return true;
      case '/healthz': {
        const health = ops.watch.check();
        sendJson(res, health.ok ? 200 : 503, { status: health.ok ? 'ok' : 'event loop stalled', ...health });
        return true;
      }
      case '/readyz': {
        const report = await ops.ready();
        sendJson(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', ...report });
        return true;
      }
      default:
        return false;
    }
  };
}

export interface OpsServerOptions {
  /** null: no server (METRICS_PORT=off). 0: an ephemeral port, logged. */
  port: number | null;
  host: string;
  registry: Registry;
  ready: ReadinessCheck;
  logger: Logger;
  role: string;
}

/** Start the operations server of a producer or consumer; resolves to undefined when it is switched off. */
export async function startOpsServer(options: OpsServerOptions): Promise<RunningServer | undefined> {
  if (options.port === null) return undefined;
  const watch = new EventLoopWatch();
  const server = await startHttpServer(options.host, options.port, [opsHandler({ registry: options.registry, ready: options.ready, watch })],
    (err) => options.logger.warn({ err }, 'metrics server: request failed'));
  options.logger.info({ url: server.url, role: options.role }, `metrics, health and readiness on ${server.url} (/metrics, /healthz, /readyz)`);
  return {
    ...server,
    close: async () => {
      watch.stop();
      await server.close();
    },
  };
}
