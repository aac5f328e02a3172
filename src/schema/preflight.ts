import type pg from 'pg';
import { checkBackupDisk, checkServerDisk } from './diskCheck.js';
import type { Verdict } from './verdicts.js';

/**
 * Pre-flight checks before `db migrate` / `db rollback` (verdicts.ts says what each status does). Nothing in
 * the database is changed by any check, and a command with nothing to do is not stopped by any of them.
 */

export interface PreflightOptions {
  longTransactionSeconds: number;
  maxConnections: number;
  maxDiskUsedPercent: number;
  backupDir: string;
  databaseUrl: string;
  /** A backup will be written: its folder is checked. */
  backup: boolean;
  /** The command has revisions to apply or revert: the server's disk is checked. */
  hasWork: boolean;
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
    options.backup && options.hasWork
      ? await checkBackupDisk(pool, options)
      : { check: 'backup disk', status: 'skip', detail: options.hasWork ? 'no backup (--no-backup)' : 'nothing to do, no backup' },
    options.hasWork ? await checkServerDisk(pool, options) : { check: 'server disk', status: 'skip', detail: 'nothing to do' },
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
