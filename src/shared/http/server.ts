import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';

/** A route handler answers the request and returns true, or returns false to let the next one try. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

export interface RunningServer {
  /** Base URL as a client on this host reaches it, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Idempotent: stops listening and ends open connections (an SSE stream would otherwise hold it open). */
  close(): Promise<void>;
}

/**
 * A node:http server over a list of handlers: the first that answers wins, none → 404. A handler that
 * throws gets a 500 without details (the error goes to `onError`, which logs it).
 */
export async function startHttpServer(
  host: string, port: number, handlers: Handler[], onError: (err: unknown) => void,
): Promise<RunningServer & { server: Server }> {
  const server = createServer((req, res) => {
    void (async () => {
      for (const handler of handlers) if (await handler(req, res)) return;
      sendJson(res, 404, { error: 'not found' });
    })().catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  // Probes and browsers keep connections alive; a slow client must not pin a socket forever.
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    port: address.port,
    url: `http://${urlHost(host)}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** 0.0.0.0 / :: are listen addresses, not addresses to connect to; IPv6 literals need brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Whether a request's Host header names this server as a browser legitimately reaches it: a loopback name
 * (`localhost`, `*.localhost`), an IP literal, or the address it listens on. Anything else may be DNS
 * rebinding — a page of another site whose name now resolves to this address, reading our answers as
 * same-origin — so pages and APIs meant for a browser refuse it. An IP literal cannot be rebinding: the page
 * would have to be served from that very address.
 */
export function isExpectedHost(hostHeader: string | undefined, listenHost: string): boolean {
  if (!hostHeader) return false;
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/i.exec(hostHeader.trim());
  if (!match) return false;
  const name = (match[1] ?? match[2] ?? '').toLowerCase().replace(/\.$/, '');
  if (isIP(name) !== 0) return true;
  return name === 'localhost' || name.endsWith('.localhost') || name === listenHost.toLowerCase();
}

/** Headers every response carries: no sniffing, no framing, no referrer leaks. */
const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), { 'Cache-Control': 'no-store', ...headers });
}

export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The path of a request without its query string. */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

/** A small JSON body ({} when empty); anything larger than `limit` bytes or not a JSON object is refused. */
export async function readJsonObject(req: IncomingMessage, limit = 4096): Promise<Record<string, unknown> | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
