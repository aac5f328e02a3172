import type pg from 'pg';
import { getConfig, type Config } from '../shared/config.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { backupDatabase } from '../schema/backup.js';
import { checkConnection, createPool } from '../shared/db/pool.js';
import { printBackup } from './dbReport.js';
import { printable } from './safeText.js';

/**
 * What every db command stands on: a small pool with the tool's application name, each step timed in the log,
 * and the backup taken before a change — with every later failure pointing back at it.
 */

export interface Db {
  config: Config;
  logger: Logger;
  url: string;
  applicationName: string;
  pool: pg.Pool;
}

export async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const config = getConfig();
  const applicationName = `tracktion-migrate db (pid ${process.pid})`;
  const pool = createPool(config.DATABASE_URL, { applicationName, max: 2 });
  try {
    await checkConnection(pool, config.DATABASE_URL);
    return await work({ config, logger: createLogger('db'), url: config.DATABASE_URL, applicationName, pool });
  } finally {
    await pool.end();
  }
}

export async function timed<T>(logger: Logger, step: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const ms = Math.round(performance.now() - started);
  // Debug: the command prints the outcome itself, and a slow revision or schema step is logged at info inside.
  logger.debug({ step, ms }, `${step} done (${ms} ms)`);
  return result;
}

/** The backup before a change (its file), or undefined with --no-backup, which is said. */
export async function backupUnlessSkipped(db: Db, backup: boolean): Promise<string | undefined> {
  if (!backup) {
    printBackup(undefined);
    return undefined;
  }
  const result = await timed(db.logger, 'backup', () => backupDatabase(db.url, db.config.BACKUP_DIR));
  printBackup(result);
  return result.file;
}

/**
 * A failure after the backup ends by naming the backup and the command that returns to it. The error keeps
 * its class (and so its exit code): only its message grows.
 */
export async function pointingAtBackup(file: string | undefined, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (file && err instanceof Error) err.message = `${err.message} — backed up before the change to ${printable(file)}; to return to it: ${restoreCommand(file)}`;
    throw err;
  }
}

/** The restore command for a backup file, the path quoted for a POSIX shell when it needs it. */
function restoreCommand(file: string): string {
  const word = /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`;
  return `tracktion-migrate db restore ${printable(word)} --yes`;
}

