import type { IncomingMessage, ServerResponse } from 'node:http';
import { isExpectedHost, pathOf, send, sendJson, type Handler } from '../shared/http/server.js';
import type { DashboardMetrics } from '../shared/metrics/registry.js';
import { handleAction, type ActionDeps } from './actions.js';
import { CLIENT_JS } from './assets/client.js';
import { PAGE_HTML } from './assets/page.js';
import { STYLE_CSS } from './assets/style.js';
import type { DashboardDeadLetters } from './deadLetterQueue.js';
import { DEAD_LETTERS_PATH, handleDeadLetters } from './deadLetterRoutes.js';
import { loadVendorAssets } from './assets/vendor.js';
import type { DashboardState, Update } from './state.js';

/** The page loads only its own script and style, and talks only to this server. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const PAGE_ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: CLIENT_JS },
  '/app.css': { type: 'text/css; charset=utf-8', body: STYLE_CSS },
};

/** A comment line keeps idle proxies from closing the stream between updates. */
const SSE_KEEPALIVE_MS = 15_000;

export interface RouteDeps extends Omit<ActionDeps, 'changed'> {
  state: DashboardState;
  deadLetters: DashboardDeadLetters;
  metrics: DashboardMetrics;
  /** The address the server listens on: a Host header naming it is expected (see isExpectedHost). */
  listenHost: string;
}

/**
 *   GET  /              the page (static HTML, app.js, app.css, uplot.js, uplot.css — no build step)
 *   GET  /api/state     {view, history}: the latest view and the chart points of the last 6 hours
 *   GET  /api/events    server-sent events: `history` once, then `state` {view, point} every sample
 *   POST /api/jobs/:id/(pause|resume|cancel|retry-failed|resume-lost)   with the operator token (see actions.ts)
 *   GET  /api/dead-letters, POST /api/dead-letters/(requeue|purge)     the dead-letter queue (see deadLetterRoutes.ts)
 * Each only for a Host header that names this server (421 otherwise: DNS rebinding); /metrics and the
 * probes are answered before, to any Host, as Prometheus scrapes by service name.
 */
export function dashboardHandler(deps: RouteDeps): Handler {
  const actionDeps = { ...deps, changed: () => void deps.state.refresh() } satisfies ActionDeps;
  const assets = { ...PAGE_ASSETS, ...loadVendorAssets() };
  return async (req, res) => {
    if (!isExpectedHost(req.headers.host, deps.listenHost)) {
      sendJson(res, 421, { error: 'misdirected request: this dashboard answers to localhost, an IP address or its listen address only' });
      return true;
    }
    const path = pathOf(req);
    if (path.startsWith('/api/jobs/')) return handleAction(req, res, actionDeps);
    if (path.startsWith(DEAD_LETTERS_PATH)) return handleDeadLetters(req, res, actionDeps);
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const asset = assets[path];
    if (asset) {
      send(res, 200, asset.type, asset.body, { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'Cache-Control': 'no-cache' });
      return true;
    }
    if (path === '/api/state') {
      sendJson(res, 200, { view: deps.state.view() ?? null, history: deps.state.history.toArray() });
      return true;
    }
    if (path === '/api/events') {
      openEventStream(req, res, deps);
      return true;
    }
    return false;
  };
}

function openEventStream(req: IncomingMessage, res: ServerResponse, deps: RouteDeps): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive',
    'X-Content-Type-Options': 'nosniff', 'X-Accel-Buffering': 'no',
  });
  const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  // The browser reconnects by itself after this many ms when the stream breaks.
  res.write('retry: 2000\n\n');
  write('history', deps.state.history.toArray());
  const view = deps.state.view();
  if (view) write('state', { view, point: null } satisfies Update);
  const unsubscribe = deps.state.subscribe((update) => write('state', update));
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), SSE_KEEPALIVE_MS);
  keepalive.unref();
  deps.metrics.clients.inc();
  req.on('close', () => {
    unsubscribe();
    clearInterval(keepalive);
    deps.metrics.clients.dec();
  });
}
