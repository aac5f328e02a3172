import { readFileSync } from 'node:fs';

/**
 * Linux /proc readings the bench reports: memory and CPU time of one process, and the whole machine's
 * CPU. Reading a process that has already exited gives undefined, never an error.
 */

/** USER_HZ: /proc counts CPU time in clock ticks of 1/100 s on every Linux the bench runs on. */
const TICKS_PER_SECOND = 100;

export interface ProcessMemory {
  /** Peak resident set size over the process's life (VmHWM), in MB. */
  peakRssMb: number;
  /** Resident set size now (VmRSS), in MB. */
  rssMb: number;
}

export function readProcessMemory(pid: number): ProcessMemory | undefined {
  const status = readProc(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const peak = kb('VmHWM');
  const rss = kb('VmRSS');
  if (Number.isNaN(peak) || Number.isNaN(rss)) return undefined;
  return { peakRssMb: peak / 1024, rssMb: rss / 1024 };
}

/** What /proc/<pid>/stat says of a process's parent and CPU time (seconds; `children*`: its reaped children's). */
export interface ProcessStat {
  ppid: number;
  userSeconds: number;
  systemSeconds: number;
  childrenUserSeconds: number;
  childrenSystemSeconds: number;
}

export function readProcessStat(pid: number): ProcessStat | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses: count fields after its closing one
  // (state is [0], ppid [1], utime [11], stime [12], cutime [13], cstime [14]).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const [ppid, utime, stime, cutime, cstime] = [fields[1], fields[11], fields[12], fields[13], fields[14]];
  if (![ppid, utime, stime, cutime, cstime].every((n) => Number.isFinite(n))) return undefined;
  return { ppid: ppid as number, userSeconds: (utime as number) / TICKS_PER_SECOND, systemSeconds: (stime as number) / TICKS_PER_SECOND,
    childrenUserSeconds: (cutime as number) / TICKS_PER_SECOND, childrenSystemSeconds: (cstime as number) / TICKS_PER_SECOND };
}

/** User + system CPU time the process has used, in seconds. */
export function readProcessCpuSeconds(pid: number): number | undefined {
  const stat = readProcessStat(pid);
  return stat === undefined ? undefined : stat.userSeconds + stat.systemSeconds;
}

/** Jiffies of the whole machine: busy and total, summed over every core. */
export interface MachineCpu {
  busy: number;
  total: number;
}

export function readMachineCpu(): MachineCpu {
  const line = readProc('/proc/stat')?.split('\n', 1)[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** The machine's CPU use between two readings, in % of all its cores together (100 = every core busy). */
export function machineBusyPercent(before: MachineCpu, after: MachineCpu): number {
  const total = after.total - before.total;
  return total > 0 ? Math.round(((after.busy - before.busy) / total) * 100) : 0;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
