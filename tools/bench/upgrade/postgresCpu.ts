import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

/**
 * The CPU time of a whole PostgreSQL server on this machine: the postmaster, every process it runs now
 * (backends, parallel workers, checkpointer, WAL writer, autovacuum) and every one that has exited (their
 * time is added to the postmaster's cutime/cstime when it reaps them). Two readings' difference is what the
 * server spent in between, short-lived processes included — a CREATE INDEX's parallel workers, a migration
 * session — which polling pg_stat_activity would miss.
 */

const TICKS_PER_SECOND = 100;

/** The postmaster's pid: the parent of this session's backend. */
export async function postmasterPid(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backend = (rows[0] as { pid: number }).pid;
  const stat = parseStat(readFileSync(`/proc/${backend}/stat`, 'utf8'));
  return stat.ppid;
}

/** CPU seconds the server has used so far; undefined when the server is not on this machine. */
export function serverCpuSeconds(postmaster: number): number | undefined {
  const own = readStat(postmaster);
  if (own === undefined) return undefined;
  let ticks = own.utime + own.stime + own.cutime + own.cstime;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = readStat(Number(entry));
    // A child's own children (none in PostgreSQL) would be in its cutime; only live children are summed here.
    if (child?.ppid === postmaster) ticks += child.utime + child.stime;
  }
  return ticks / TICKS_PER_SECOND;
}

interface Stat {
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // exited between the directory listing and the read
  }
}

/** Fields after the command name (which may hold spaces and parentheses): state is [0], ppid [1], utime [11]. */
function parseStat(text: string): Stat {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
  return { ppid: fields[1] ?? -1, utime: fields[11] ?? 0, stime: fields[12] ?? 0, cutime: fields[13] ?? 0, cstime: fields[14] ?? 0 };
}
