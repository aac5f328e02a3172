import { existsSync } from 'node:fs';
import { open, rm, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { errorCode } from '../shared/errors.js';
import { prepareBackupDirectory } from './backup.js';
import type { Verdict } from './verdicts.js';

/**
 * The two disks a change needs room on. The backup folder's (only when a backup will be written): it must take
 * a file, hold the database and not be fuller than the threshold. The database server's (every change with
 * work): a migration writes new indexes, WAL and table versions there, and a full data directory stops the
 * server for every user of the library — so above the threshold the change is not started.
 */

export interface DiskCheckOptions {
  maxDiskUsedPercent: number;
  backupDir: string;
  /** PostgreSQL's host as the connection names it: where its data directory can be looked at. */
  databaseUrl: string;
}

const DATABASE_SIZE_SQL = 'SELECT pg_database_size(current_database())::bigint AS bytes';

/** Readable by superusers and members of pg_read_all_settings only; others get SQLSTATE 42501. */
const DATA_DIRECTORY_SQL = `SELECT current_setting('data_directory') AS dir`;
const INSUFFICIENT_PRIVILEGE = '42501';

interface DiskUsage {
  freeBytes: number;
  usedPercent: number;
}

async function diskUsage(dir: string): Promise<DiskUsage> {
  const fs = await statfs(dir);
  const usedPercent = fs.blocks ? Math.round(((fs.blocks - fs.bfree) / fs.blocks) * 1000) / 10 : 0;
  return { freeBytes: fs.bavail * fs.bsize, usedPercent };
}

/**
 * The backup folder: created as the backup would create it, then a file written and removed in it (the only
 * proof that the process may write there: permission bits do not tell, for root or on a read-only mount).
 */
export async function checkBackupDisk(pool: pg.Pool, options: DiskCheckOptions): Promise<Verdict> {
  const check = 'backup disk';
  const wanted = resolve(options.backupDir);
  let dir: string;
  try {
    dir = await prepareBackupDirectory(wanted);
    const probe = join(dir, `.write-test-${process.pid}`);
    await (await open(probe, 'wx', 0o600)).close();
    await rm(probe, { force: true });
  } catch (err) {
    return { check, status: 'abort', detail: `the backup directory ${wanted} cannot be written (${errorCode(err) ?? 'error'}): set BACKUP_DIR to a writable directory` };
  }
  const { rows } = await pool.query<{ bytes: string }>(DATABASE_SIZE_SQL);
  const dbBytes = Number(rows[0]?.bytes ?? 0);
  const { freeBytes, usedPercent } = await diskUsage(dir);
  const numbers = `database ${formatBytes(dbBytes)}, free ${formatBytes(freeBytes)} at ${dir}, ${usedPercent}% used`;
  if (freeBytes < dbBytes) return { check, status: 'abort', detail: `${numbers}: the backup would not fit` };
  if (usedPercent > options.maxDiskUsedPercent) return { check, status: 'abort', detail: `${numbers}: above ${options.maxDiskUsedPercent}% used` };
  return { check, status: 'ok', detail: numbers };
}

/** The server's data directory, statfs'd when the server runs on this machine and the directory is visible here. */
export async function checkServerDisk(pool: pg.Pool, options: DiskCheckOptions): Promise<Verdict> {
  const check = 'server disk';
  let dir: string;
  try {
    const { rows } = await pool.query<{ dir: string }>(DATA_DIRECTORY_SQL);
    dir = rows[0]?.dir ?? '';
  } catch (err) {
    if (errorCode(err) !== INSUFFICIENT_PRIVILEGE) throw err;
    return { check, status: 'note', detail: 'the server\'s data directory cannot be seen by this role (needs pg_read_all_settings): its disk is not checked here' };
  }
  if (!isLocalServer(options.databaseUrl) || !dir || !existsSync(dir)) {
    return { check, status: 'note', detail: 'the server\'s data directory is not on this machine: its disk is not checked here' };
  }
  const { freeBytes, usedPercent } = await diskUsage(dir);
  const numbers = `data directory ${dir}: free ${formatBytes(freeBytes)}, ${usedPercent}% used`;
  if (usedPercent > options.maxDiskUsedPercent) {
    return { check, status: 'abort', detail: `${numbers}: above ${options.maxDiskUsedPercent}% used (PREFLIGHT_MAX_DISK_USED_PERCENT) — a full data directory stops the server` };
  }
  return { check, status: 'ok', detail: numbers };
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * A TCP connection to the loopback address or a unix socket (no host, or a host that is a directory path).
 * A `host` query parameter wins over the URL's host, as it does for the driver.
 */
export function isLocalServer(databaseUrl: string): boolean {
  const url = new URL(databaseUrl);
  const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname);
  return host === '' || host.startsWith('/') || LOCAL_HOSTS.has(host);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}
