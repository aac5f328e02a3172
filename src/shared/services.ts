import { ServiceUnavailableError, errorCode, errorMessage } from './errors.js';
import { redactUrl } from './redact.js';

/** The three services the product talks to, and how an operator starts each one. */
export type ServiceName = 'PostgreSQL' | 'RabbitMQ' | 'Redis';

const HOW_TO_START: Record<ServiceName, string> = {
  PostgreSQL: 'start it with `pg_ctlcluster --skip-systemctl-redirect 15 main start` or `docker compose up -d postgres`',
  RabbitMQ: 'start it with `rabbitmq-server -detached` or `docker compose up -d rabbitmq`',
  Redis: 'start it with `redis-server --daemonize yes` or `docker compose up -d redis`',
};

/** Errors that mean "nobody answered there", as opposed to a query that failed. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
  '57P03', // PostgreSQL: cannot connect now (starting up / shutting down)
]);

export function isUnreachable(err: unknown): boolean {
  if (err instanceof ServiceUnavailableError) return true;
  const code = errorCode(err);
  if (code && UNREACHABLE_CODES.has(code)) return true;
  if (err instanceof AggregateError) return err.errors.some(isUnreachable);
  return /connect ECONNREFUSED|Connection terminated unexpectedly|getaddrinfo/i.test(errorMessage(err));
}

/** host:port of a URL, for messages (never the credentials). */
export function addressOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || defaultPort(u.protocol)}`;
  } catch {
    return redactUrl(url);
  }
}

function defaultPort(protocol: string): string {
  return { 'postgres:': '5432', 'postgresql:': '5432', 'amqp:': '5672', 'amqps:': '5671', 'redis:': '6379', 'rediss:': '6379' }[protocol] ?? '?';
}

/** One clear line: which service, which address, how to start it. */
export function serviceUnavailable(service: ServiceName, url: string, cause: unknown): ServiceUnavailableError {
  const why = errorCode(cause) ?? errorMessage(cause);
  return new ServiceUnavailableError(
    service,
    `${service} is not reachable at ${addressOf(url)} (${why}) — ${HOW_TO_START[service]}`,
    { cause },
  );
}

/** Run a connect step; an unreachable service becomes a ServiceUnavailableError, other errors pass through. */
export async function connecting<T>(service: ServiceName, url: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw isUnreachable(err) ? serviceUnavailable(service, url, err) : err;
  }
}
