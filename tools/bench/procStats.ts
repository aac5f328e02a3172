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

/** User + system CPU time the process has used, in seconds. */
export function readProcessCpuSeconds(pid: number): number | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : undefined;
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
