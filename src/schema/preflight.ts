import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type pg from 'pg';
import { PreflightError } from './errors.js';

/**
 * Pre-flight checks before `db migrate` / `db rollback`. Each check gives a verdict: `ok`, `note` (said, never
 * stops), `warn` (stops the command unless --force), `abort` (always stops), or `skip`. Nothing is changed by any
 * check, and a command with nothing to do is not stopped by any of them.
 */

export type VerdictStatus = 'ok' | 'note' | 'warn' | 'abort' | 'skip';

export interface Verdict {
  check: string;
  status: VerdictStatus;
  detail: string;
}

export interface PreflightOptions {
  longTransactionSeconds: number;
  maxConnections: number;
  maxDiskUsedPercent: number;
  backupDir: string;
  /** The disk check matters only when a backup will be written. */
  backup: boolean;
  /** LIKE patterns of our own sessions' application_name, not counted as other connections. */
  ownApplicationNames: string[];
}

/**
 * Client sessions of this database in a transaction older than $1 seconds, oldest first. Never their query
 * text: another session's SQL can hold a password (ALTER ROLE … PASSWORD, a literal), and this ends up in
 * an error message and the terminal.
 */
const LONG_TRANSACTIONS_SQL = `
  SELECT pid, application_name, state, floor(extract(epoch FROM now() - xact_start))::int AS age_seconds
  FROM pg_stat_activity
  WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
    AND xact_start < now() - make_interval(secs => $1::int)
  ORDER BY xact_start`;

/**
 * Other client sessions connected to this database, busy ones first; $1 = LIKE patterns of our own application
 * names. Never their query text (see LONG_TRANSACTIONS_SQL).
 */
const OTHER_CONNECTIONS_SQL = `
  SELECT pid, application_name, state
  FROM pg_stat_activity
  WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
    AND NOT (application_name LIKE ANY ($1::text[]))
  ORDER BY (state = 'idle'), pid`;

const DATABASE_SIZE_SQL = 'SELECT pg_database_size(current_database())::bigint AS bytes';

interface LongTransactionRow {
  pid: number;
  application_name: string;
  state: string;
  age_seconds: number;
}

export async function runPreflight(pool: pg.Pool, options: PreflightOptions): Promise<Verdict[]> {
  return [
    await checkLongTransactions(pool, options.longTransactionSeconds),
    await checkConnections(pool, options.maxConnections, options.ownApplicationNames),
    await checkDisk(pool, options),
  ];
}

/** An old transaction makes CREATE INDEX CONCURRENTLY wait for it and holds locks a step may need. */
export async function checkLongTransactions(pool: pg.Pool, thresholdSeconds: number): Promise<Verdict> {
  const { rows } = await pool.query<LongTransactionRow>(LONG_TRANSACTIONS_SQL, [thresholdSeconds]);
  if (!rows.length) {
    return { check: 'long transactions', status: 'ok', detail: `none older than ${thresholdSeconds} s` };
  }
  const named = rows
    .slice(0, 5)
    .map((r) => `pid ${r.pid} (application "${r.application_name}", ${r.state}, open ${r.age_seconds} s)`)
    .join('; ');
  return {
    check: 'long transactions',
    status: 'abort',
    detail: `${rows.length} transaction(s) older than ${thresholdSeconds} s: ${named} — end them (pg_terminate_backend) or wait`,
  };
}

/**
 * A live library always has the application's pool connected: above the threshold this is said, never a stop
 * (the steps are online and wait for locks only up to their lock timeout). The busy sessions are named.
 */
export async function checkConnections(pool: pg.Pool, max: number, own: string[]): Promise<Verdict> {
  const { rows } = await pool.query<{ pid: number; application_name: string; state: string | null }>(OTHER_CONNECTIONS_SQL, [own]);
  const n = rows.length;
  if (n <= max) return { check: 'active connections', status: 'ok', detail: `${n} other connections (threshold ${max})` };
  const busy = rows.filter((r) => r.state !== 'idle');
  const named = busy.slice(0, 5).map((r) => `pid ${r.pid} (application "${r.application_name}", ${r.state ?? 'unknown'})`).join('; ');
  return {
    check: 'active connections', status: 'note',
    detail: `${n} other connections (threshold ${max}): the database is in use; ${busy.length} busy${busy.length ? `: ${named}` : ''} — going ahead (online steps, bounded lock waits)`,
  };
}

/** The backup needs room: free space where it goes must exceed the database size, and the disk not be too full. */
export async function checkDisk(pool: pg.Pool, options: PreflightOptions): Promise<Verdict> {
  if (!options.backup) return { check: 'backup disk', status: 'skip', detail: 'no backup requested' };
  const { rows } = await pool.query<{ bytes: string }>(DATABASE_SIZE_SQL);
  const dbBytes = Number(rows[0]?.bytes ?? 0);
  const dir = nearestExisting(resolve(options.backupDir));
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const usedPercent = fs.blocks ? Math.round(((fs.blocks - fs.bfree) / fs.blocks) * 1000) / 10 : 0;
  const numbers = `database ${formatBytes(dbBytes)}, free ${formatBytes(free)} at ${dir}, ${usedPercent}% used`;
  if (free < dbBytes) return { check: 'backup disk', status: 'abort', detail: `${numbers}: the backup would not fit` };
  if (usedPercent > options.maxDiskUsedPercent) {
    return { check: 'backup disk', status: 'abort', detail: `${numbers}: above ${options.maxDiskUsedPercent}% used` };
  }
  return { check: 'backup disk', status: 'ok', detail: numbers };
}

/** Whether analysis data exists that reverting AnalysisFields would drop (index-backed, no full scan). */
const ANALYSIS_DATA_SQL = `
  SELECT EXISTS (SELECT 1 FROM analysis_history) AS history,
         EXISTS (SELECT 1 FROM tracks WHERE analysis_version IS NOT NULL) AS versioned`;

/** A rollback of the analysis fields drops their data: warn (stop unless --force) when there is any. */
export async function checkRollbackDataLoss(pool: pg.Pool, revisions: string[]): Promise<Verdict> {
  const check = 'analysis data';
  if (!revisions.some((r) => r.startsWith('AnalysisFields'))) return { check, status: 'skip', detail: 'the analysis fields are not reverted' };
  const { rows } = await pool.query<{ history: boolean; versioned: boolean }>(ANALYSIS_DATA_SQL).catch(() => ({ rows: [] }));
  const row = rows[0];
  if (!row?.history && !row?.versioned) return { check, status: 'ok', detail: 'no analysis data would be dropped' };
  return { check, status: 'warn', detail: 'reverting the analysis fields drops analysis_history and the analysis columns, which hold data — use --backup' };
}

/** Stop on any abort; stop on a warning unless forced (--force). */
export function enforceVerdicts(verdicts: Verdict[], force: boolean): void {
  const aborts = verdicts.filter((v) => v.status === 'abort');
  if (aborts.length) {
    throw new PreflightError(`pre-flight stopped the command: ${aborts.map((v) => `${v.check}: ${v.detail}`).join('; ')}`);
  }
  const warnings = verdicts.filter((v) => v.status === 'warn');
  if (warnings.length && !force) {
    throw new PreflightError(
      `pre-flight warning: ${warnings.map((v) => `${v.check}: ${v.detail}`).join('; ')} — re-run with --force to go ahead anyway`,
    );
  }
}

function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
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
