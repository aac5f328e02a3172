import type pg from 'pg';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { ensureDatabaseExists, migrate } from '../../src/schema/migrator.js';
import { checkConnection, createPool, urlForDatabase } from '../../src/shared/db/pool.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * The bench's own database on the DATABASE_URL server: dropped and recreated at the start, so nothing of
 * an earlier run leaks in, and (unless kept) dropped at the end. Nothing else on the server is touched.
 */
export async function recreateBenchDatabase(serverUrl: string, name: string, deferIndexes = false): Promise<string> {
  const url = urlForDatabase(serverUrl, name);
  await dropBenchDatabase(serverUrl, name);
  await ensureDatabaseExists(url);
  await migrate(url, { revisions: allMigrations, logger: quietLogger('bench.migrate'), deferIndexes });
  return url;
}

/** A step-by-step migration log would bury a bench's own output: its logger shows warnings and errors only. */
export function quietLogger(name: string): Logger {
  const logger = createLogger(name);
  if (logger.levelVal < 40) logger.level = 'warn';
  return logger;
}

export async function dropBenchDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = createPool(urlForDatabase(serverUrl, 'postgres'), { applicationName: 'tracktion-migrate bench', max: 1 });
  try {
    await checkConnection(admin, serverUrl);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteName(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Every table a method writes: CASCADE takes history, ranges, errors and whatever else references them.
 * No RESTART IDENTITY: job ids stay distinct across rounds, which keeps each round's log and ledger readable
 * (requests no longer depend on it: their id carries the job's random request token).
 */
const EMPTY_ALL_SQL = `TRUNCATE tracks, backfill_jobs CASCADE`;

/**
 * The same starting point for every method: N freshly seeded legacy tracks (deterministic), vacuumed and
 * analysed, no history. Reseeding rather than NULLing the new columns keeps dead tuples and bloat of one
 * method from slowing the next. A checkpoint afterwards keeps the seed's WAL out of the next timing.
 */
export async function seedFresh(pool: pg.Pool, tracks: number, onProgress?: (done: number) => void): Promise<void> {
  await pool.query(EMPTY_ALL_SQL);
  await seedDemoTracks(pool, tracks, onProgress);
  await pool.query('VACUUM (ANALYZE) tracks');
  await checkpoint(pool);
}

/** CHECKPOINT needs superuser or pg_checkpoint; without it the timings are only a little noisier. */
async function checkpoint(pool: pg.Pool): Promise<void> {
  await pool.query('CHECKPOINT').catch(() => undefined);
}

/** How the seeded table looks: the denominators of every rate. */
export interface SeedShape {
  tracks: number;
  withData: number;
  minId: number;
  maxId: number;
}

export async function seedShape(pool: pg.Pool): Promise<SeedShape> {
  const { rows } = await pool.query<SeedShape>(
    `SELECT count(*)::int AS tracks, count(analysis_data)::int AS "withData",
            coalesce(min(id), 0) AS "minId", coalesce(max(id), 0) AS "maxId" FROM tracks`);
  return rows[0] as SeedShape;
}

/** What a method left behind, to check that every method did the same work. */
export interface WrittenCounts {
  historyRows: number;
  tracksWithVersion: number;
}

export async function writtenCounts(pool: pg.Pool): Promise<WrittenCounts> {
  const { rows } = await pool.query<WrittenCounts>(
    `SELECT (SELECT count(*)::int FROM analysis_history) AS "historyRows",
            (SELECT count(*)::int FROM tracks WHERE analysis_version IS NOT NULL) AS "tracksWithVersion"`);
  return rows[0] as WrittenCounts;
}

export function quoteName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  return `"${name}"`;
}
