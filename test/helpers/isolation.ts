import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Isolation for tests against the real services: each test file gets its own PostgreSQL database and its
 * own namespace (Redis key prefix, RabbitMQ queue names, BullMQ queue) so files never see each other's data.
 */

export const ADMIN_DATABASE_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A short unique lowercase name, valid as a database name, queue prefix and Redis key prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function urlForDatabase(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Create an empty database; `drop()` removes it (kept when KEEP_TEST_DB=1, to inspect a failure). `encoding`
 * (e.g. LATIN1, for a library that is not UTF8) needs the C locale and template0.
 */
export async function createTestDatabase(prefix = 'tm_test', options: { encoding?: 'LATIN1' | 'SQL_ASCII' } = {}): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    const encoding = options.encoding ? ` ENCODING '${options.encoding}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0` : '';
    await admin.query(`CREATE DATABASE "${name}"${encoding}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: urlForDatabase(name),
    async drop() {
      if (process.env.KEEP_TEST_DB === '1') return;
      await dropDatabase(name);
    },
  };
}

/**
 * Where CLI children write backups (db migrate/rollback back up by default): a directory of this test process
 * under the system's temp directory, never the repository; removed when the process exits.
 */
export const TEST_BACKUP_DIR = join(tmpdir(), `tm-test-backups-${process.pid}`);
process.once('exit', () => rmSync(TEST_BACKUP_DIR, { recursive: true, force: true }));

/** The environment a child process of the CLI needs to work inside one test's isolation. */
export function testEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', TRACKTION_ENV_FILE: '', BACKUP_DIR: TEST_BACKUP_DIR, ...overrides };
}

/** Drop a test's database, whoever is still connected to it. */
export async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
