import type pg from 'pg';
import { errorCode } from '../shared/errors.js';
import { LockTimeoutError } from './errors.js';

/** A session that holds what a migration step waits for. */
export interface Blocker {
  pid: number;
  applicationName: string;
  state: string | null;
  queryStart: Date | null;
  xactStart: Date | null;
}

/** Lock waits that end with an error and are worth another attempt after a pause. */
const LOCK_WAIT_CODES = new Set([
  '55P03', // lock_not_available: lock_timeout expired
  '40P01', // deadlock_detected: we were chosen as the victim
]);

export function isLockWaitError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && LOCK_WAIT_CODES.has(code);
}

/**
 * Sessions blocking backend $1 right now, oldest transaction first. Run from a second connection. Never their
 * query text: another session's SQL can hold a password, and this goes into an error message.
 */
export const BLOCKING_SESSIONS_SQL = `
  SELECT a.pid, a.application_name, a.state, a.query_start, a.xact_start
  FROM pg_stat_activity a
  WHERE a.pid = ANY (pg_blocking_pids($1::int))
  ORDER BY a.xact_start NULLS LAST, a.pid`;

/** Other sessions holding any lock on relation $1, oldest transaction first (after-the-fact fallback). */
export const RELATION_HOLDERS_SQL = `
  SELECT DISTINCT a.pid, a.application_name, a.state, a.query_start, a.xact_start
  FROM pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'relation' AND l.granted AND l.relation = to_regclass($1) AND l.pid <> pg_backend_pid()
  ORDER BY a.xact_start NULLS LAST, a.pid`;

interface BlockerRow {
  pid: number;
  application_name: string | null;
  state: string | null;
  query_start: Date | null;
  xact_start: Date | null;
}

export function toBlockers(rows: BlockerRow[]): Blocker[] {
  return rows.map((r) => ({
    pid: r.pid,
    applicationName: r.application_name ?? '',
    state: r.state,
    queryStart: r.query_start,
    xactStart: r.xact_start,
  }));
}

/** pg_blocking_pids of `pid`, asked from another connection while `pid` waits. */
export async function blockingSessions(pool: pg.Pool, pid: number): Promise<Blocker[]> {
  const { rows } = await pool.query<BlockerRow>(BLOCKING_SESSIONS_SQL, [pid]);
  return toBlockers(rows);
}

export function describeBlocker(b: Blocker): string {
  const started = b.queryStart ? b.queryStart.toISOString() : 'unknown';
  return `pid ${b.pid} (application "${b.applicationName}", state "${b.state ?? 'unknown'}", query started ${started})`;
}

export interface LockFailure {
  table: string;
  step: string;
  attempts: number;
  lockTimeoutMs: number;
  blockers: Blocker[];
}

/** The one message an operator sees when a lock could not be had: who blocks, and what to do. */
export function lockTimeoutError(f: LockFailure, cause: unknown): LockTimeoutError {
  const who = f.blockers.length
    ? `blocked by ${f.blockers.slice(0, 3).map(describeBlocker).join('; ')}${f.blockers.length > 3 ? ` and ${f.blockers.length - 3} more` : ''}`
    : 'the blocking session had already gone when we looked';
  return new LockTimeoutError(
    `could not lock table "${f.table}" for step "${f.step}": lock_timeout ${f.lockTimeoutMs} ms, ` +
      `${f.attempts} attempt(s); ${who} — end or wait for that session, then run the command again`,
    { cause },
  );
}

/** Wait before retrying a lock after failed attempt `attempt` (1-based): `baseMs` doubling each time, capped at 30 s. */
export function lockRetryBackoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 30_000);
}
