import type pg from 'pg';
import { readMachineCpu, readProcessCpuSeconds, readProcessMemory, machineBusyPercent, type MachineCpu } from './procStats.js';

export interface ProcessUsage {
  name: string;
  pid: number;
  /** VmHWM read just before the process was stopped: its peak RSS over its whole life. */
  peakRssMb: number | null;
  /** Highest VmRSS seen by polling during the measured interval. */
  polledPeakRssMb: number | null;
  /** CPU seconds (user + system) used during the measured interval. */
  cpuSeconds: number | null;
  /** VmRSS once a second during the interval: flat memory shows as a plateau, a leak as a slope. */
  rssSeriesMb: number[];
}

export interface ResourceUsage {
  processes: ProcessUsage[];
  /** CPU seconds of the PostgreSQL backends serving the fleet (same machine), during the interval. */
  databaseCpuSeconds: number | null;
  /** The same per application_name: which part of the fleet the database works for. */
  databaseCpuByApplication: Record<string, number>;
  /** Whole-machine CPU busy, % of all cores: other load on a shared machine shows up here. */
  machineBusyPercent: number;
}

interface Seen {
  name: string;
  pid: number;
  cpuAtStart: number;
  cpuLast: number;
  polledPeakMb: number;
  series: number[];
}

/**
 * Samples, every 200 ms, RSS and CPU time of the fleet's processes and CPU time of the PostgreSQL backends
 * of the bench database (found through pg_stat_activity; a backend the pool closes mid-run keeps the
 * last value read). CPU figures are deltas from `start()` so start-up work is not counted.
 */
export class ResourceSampler {
  private readonly seen = new Map<number, Seen>();
  private readonly backends = new Map<number, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private machineStart: MachineCpu = readMachineCpu();
  private sampling: Promise<void> = Promise.resolve();
  private samples = 0;

  constructor(private readonly pool: pg.Pool, private readonly databaseName: string,
    private readonly processes: () => Record<string, number | undefined>) {}

  async start(): Promise<void> {
    this.machineStart = readMachineCpu();
    await this.sample();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample()).catch(() => undefined);
    }, 200);
  }

  /** Stop polling and take the final readings; call while the processes are still alive. */
  async stop(): Promise<ResourceUsage> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    const machineBusy = machineBusyPercent(this.machineStart, readMachineCpu());
    const processes = [...this.seen.values()].map((s): ProcessUsage => ({
      name: s.name, pid: s.pid,
      peakRssMb: round1(readProcessMemory(s.pid)?.peakRssMb ?? null),
      polledPeakRssMb: round1(s.polledPeakMb || null),
      cpuSeconds: round1(s.cpuLast - s.cpuAtStart),
      rssSeriesMb: s.series,
    }));
    const dbCpu = [...this.backends.values()].reduce((sum, b) => sum + (b.cpuLast - b.cpuAtStart), 0);
    const byApplication: Record<string, number> = {};
    for (const b of this.backends.values()) byApplication[b.name] = round1((byApplication[b.name] ?? 0) + b.cpuLast - b.cpuAtStart) ?? 0;
    return { processes, databaseCpuSeconds: this.backends.size ? round1(dbCpu) : null, databaseCpuByApplication: byApplication, machineBusyPercent: machineBusy };
  }

  private async sample(): Promise<void> {
    this.samples++;
    for (const [name, pid] of Object.entries(this.processes())) {
      if (pid !== undefined) this.note(this.seen, name, pid, true);
    }
    const { rows } = await this.pool.query<{ pid: number; application_name: string }>(
      `SELECT pid, application_name FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name LIKE 'tracktion-%'
          AND application_name NOT LIKE '%bench%'`, [this.databaseName]);
    for (const row of rows) this.note(this.backends, row.application_name, row.pid, false);
  }

  private note(into: Map<number, Seen>, name: string, pid: number, memory: boolean): void {
    const cpu = readProcessCpuSeconds(pid);
    if (cpu === undefined) return;
    const entry = into.get(pid)
      ?? { name, pid, cpuAtStart: into === this.backends && this.timer !== undefined ? 0 : cpu, cpuLast: cpu, polledPeakMb: 0, series: [] };
    entry.cpuLast = cpu;
    const rss = memory ? readProcessMemory(pid)?.rssMb : undefined;
    if (rss !== undefined) {
      entry.polledPeakMb = Math.max(entry.polledPeakMb, rss);
      if (this.samples % 5 === 1) entry.series.push(Math.round(rss));
    }
    into.set(pid, entry);
  }
}

function round1(n: number | null): number | null {
  return n === null ? null : Math.round(n * 10) / 10;
}
