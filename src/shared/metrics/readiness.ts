import type { Redis } from 'ioredis';
import type pg from 'pg';
import { TransientError, errorMessage } from '../errors.js';

/** Readiness of a process: each connection it needs, and whether all of them are usable. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export type ReadinessCheck = () => Promise<ReadinessReport>;

/** A probe of PostgreSQL is a round trip; cache it briefly so probes and scrapes cannot crowd the pool. */
const PG_CACHE_MS = 2000;
const PG_TIMEOUT_MS = 2000;

export interface Connections {
  pool?: pg.Pool;
  redis?: Redis;
  /** RabbitMQ: the session, up unless it is reconnecting. */
  amqp?: { isUp(): boolean };
  /** Connections that may be down without the process being unready (reported, not required). */
  optional?: string[];
}

/** The readiness callback of a process: its connections open and usable. */
export function connectionsReady(connections: Connections): ReadinessCheck {
  const pgCheck = connections.pool ? cachedPgCheck(connections.pool) : undefined;
  const optional = new Set(connections.optional ?? []);
  return async () => {
    const checks: ReadinessReport['checks'] = {};
    if (pgCheck) checks.postgresql = await pgCheck();
    if (connections.redis) {
      const status = connections.redis.status;
      checks.redis = status === 'ready' ? { ok: true } : { ok: false, detail: `connection ${status}` };
    }
    if (connections.amqp) checks.rabbitmq = connections.amqp.isUp() ? { ok: true } : { ok: false, detail: 'reconnecting' };
    const ready = Object.entries(checks).every(([name, c]) => c.ok || optional.has(name));
    return { ready, checks };
  };
}

function cachedPgCheck(pool: pg.Pool): () => Promise<{ ok: boolean; detail?: string }> {
  let last: { at: number; result: Promise<{ ok: boolean; detail?: string }> } | undefined;
  return () => {
    if (last && performance.now() - last.at < PG_CACHE_MS) return last.result;
    const result = withTimeout(pool.query('SELECT 1'), PG_TIMEOUT_MS)
      .then(() => ({ ok: true }), (err: unknown) => ({ ok: false, detail: errorMessage(err).slice(0, 200) }));
    last = { at: performance.now(), result };
    return result;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TransientError('no_answer', `no answer within ${ms} ms`)), ms);
    timer.unref();
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
