import pg from 'pg';
import { ConfigError, errorCode } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { addressOf, connecting } from '../services.js';

export interface PoolOptions {
  /** Shown in pg_stat_activity, so an operator can tell our sessions from the library's. */
  applicationName?: string;
  max?: number;
}

let poolLogger: Logger | undefined;

/**
 * A pg.Pool with an 'error' handler: an idle client whose server connection dies emits 'error' on the pool,
 * and an unhandled 'error' event would crash the process. The pool drops that client and makes a new one
 * on the next checkout, so logging is all that is left to do. Checked-out clients get a listener too.
 */
export function createPool(databaseUrl: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    application_name: options.applicationName ?? 'tracktion-migrate',
    max: options.max ?? 4,
    connectionTimeoutMillis: 10_000,
    // TCP keepalive notices a server that vanished without a FIN (a hung or partitioned host).
    keepAlive: true,
  });
  // A checked-out client has no pool listener: when its server connection dies between two queries (a
  // terminated backend, a restart) its 'error' event would crash the process. The query that runs next
  // fails instead, and the caller's retry path handles it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  pool.on('error', (err) => {
    try {
      poolLogger ??= createLogger('db.pool');
      poolLogger.warn({ err, code: errorCode(err) }, 'idle PostgreSQL connection failed; the pool replaces it');
    } catch {
      // A bad configuration must not turn a harmless idle-client error into a crash.
    }
  });
  return pool;
}

/**
 * One round trip. An unreachable server becomes ServiceUnavailableError (exit 69, one line naming the
 * address); a database that does not exist is a configuration problem (exit 78).
 */
export async function checkConnection(pool: pg.Pool, databaseUrl: string): Promise<void> {
  try {
    await connecting('PostgreSQL', databaseUrl, () => pool.query('SELECT 1'));
  } catch (err) {
    if (errorCode(err) === '3D000') {
      throw new ConfigError(
        `DATABASE_URL: database "${databaseName(databaseUrl)}" does not exist on ${addressOf(databaseUrl)} — create it first (createdb)`,
      );
    }
    throw err;
  }
}

/** The database named in a connection URL (the path without its slash). */
export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'postgres';
}

/** The same server, another database (the `postgres` maintenance database by default). */
export function urlForDatabase(databaseUrl: string, name = 'postgres'): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}
