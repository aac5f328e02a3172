import { readdirSync } from 'node:fs';
import type pg from 'pg';
import { readProcessStat } from '../procStats.js';

/**
 * The CPU time of a whole PostgreSQL server on this machine: the postmaster, every process it runs now
 * (backends, parallel workers, checkpointer, WAL writer, autovacuum) and every one that has exited (their
 * time is added to the postmaster's cutime/cstime when it reaps them). Two readings' difference is what the
 * server spent in between, short-lived processes included — a CREATE INDEX's parallel workers, a migration
 * session — which polling pg_stat_activity would miss.
 */

/** The postmaster's pid: the parent of this session's backend. */
export async function postmasterPid(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backend = readProcessStat((rows[0] as { pid: number }).pid);
  if (!backend) throw new Error('the PostgreSQL server is not on this machine (its backend is not in /proc)');
  return backend.ppid;
}

/** CPU seconds the server has used so far; undefined when the server is not on this machine. */
export function serverCpuSeconds(postmaster: number): number | undefined {
  const own = readProcessStat(postmaster);
  if (own === undefined) return undefined;
  let seconds = own.userSeconds + own.systemSeconds + own.childrenUserSeconds + own.childrenSystemSeconds;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // A process that exits between the listing and the read is skipped: its time is in the postmaster's now.
    const child = readProcessStat(Number(entry));
    if (child?.ppid === postmaster) seconds += child.userSeconds + child.systemSeconds;
  }
  return seconds;
}
