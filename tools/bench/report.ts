import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatTable } from '../../src/cli/output.js';
import type { BenchOptions } from './options.js';
import type { SeedShape } from './benchDatabase.js';
import type { FleetMetrics } from './fleetMetrics.js';
import type { FleetPhases } from './fleetPhases.js';
import type { MeasuredCode } from './measuredCode.js';
import type { ProcessUsage } from './resourceSampler.js';

/** Keys of the methods; the ratios are taken against 'row-by-row' and 'in-database-2'. */
export type MethodKey = 'in-database-2' | 'row-by-row' | 'fleet' | 'in-database-1' | 'bare-node' | 'write-floor';

/** One measurement of one method. `tracks` is how many tracks of the table it walked. */
export interface MethodRun {
  key: MethodKey;
  method: string;
  round: number;
  tracks: number;
  seconds: number;
  /** History rows it wrote: every method over the whole table should write the same number. */
  written: number;
  /** Whole-machine CPU busy while it ran (% of all cores): other load shows up here. */
  machineBusyPercent: number;
}

/** A method over all rounds: the median run's seconds, and every round's. */
export interface MethodResult extends Omit<MethodRun, 'round'> {
  runsSeconds: number[];
}

export interface RatedMethod extends MethodResult {
  tracksPerSecond: number;
  /** tracks/s ÷ the row-by-row method's tracks/s. */
  vsRowByRow: number | null;
  /** tracks/s ÷ the in-database reference's (2 sessions) tracks/s. */
  vsInDatabase: number | null;
}

export interface FleetDetail {
  round: number; jobId: number; state: string; consumers: number; seconds: number; metrics: FleetMetrics; phases: FleetPhases;
  databaseCpuSeconds: number | null; exitCodes: Record<string, number | null>;
  /** --defer-indexes: seconds `db build-indexes` took on the fleet's converted data. */
  deferredIndexBuildSeconds?: number;
}

export interface BenchReport {
  command: string;
  startedAt: string;
  machine: { cpus: number; node: string; postgres: string };
  /** The code measured: the commit and the fleet files edited on top of it (others work in the same tree). */
  code: MeasuredCode;
  options: Omit<BenchOptions, 'jsonOut'>;
  seed: SeedShape & { seconds: number };
  methods: RatedMethod[];
  fleet: FleetDetail[];
  processes: (ProcessUsage & { method: MethodKey; round: number })[];
}

/** The part of the report the methods produce (runBench); main adds where and what was measured. */
export type MeasuredPart = Pick<BenchReport, 'seed' | 'methods' | 'fleet' | 'processes'>;

/** Per method, in order of first appearance: the run with the median seconds (the lower one of an even count). */
export function medianRuns(runs: MethodRun[]): MethodResult[] {
  const keys = [...new Set(runs.map((r) => r.key))];
  return keys.map((key) => {
    const own = runs.filter((r) => r.key === key).sort((a, b) => a.seconds - b.seconds);
    const { round: _round, ...median } = own[Math.floor((own.length - 1) / 2)] as MethodRun;
    return { ...median, runsSeconds: runs.filter((r) => r.key === key).map((r) => round(r.seconds, 2)) };
  });
}

export function rate(methods: MethodResult[]): RatedMethod[] {
  const perSecond = (m: MethodResult | undefined) => (m && m.seconds > 0 ? m.tracks / m.seconds : undefined);
  const rowByRow = perSecond(methods.find((m) => m.key === 'row-by-row'));
  const inDatabase = perSecond(methods.find((m) => m.key === 'in-database-2'));
  return methods.map((m) => {
    const own = perSecond(m) ?? 0;
    return {
      ...m,
      seconds: round(m.seconds, 2),
      tracksPerSecond: Math.round(own),
      vsRowByRow: rowByRow ? round(own / rowByRow, 1) : null,
      vsInDatabase: inDatabase ? round(own / inDatabase, 2) : null,
    };
  });
}

/** The human form: the methods table, the fleet's own figures, memory and CPU per process. */
export function formatReport(report: BenchReport): string {
  const repeated = report.options.repeat > 1;
  const methods = formatTable(
    ['method', 'tracks', 'seconds', 'tracks/s', '× row-by-row', '× in-database', 'history rows', 'machine CPU',
      ...(repeated ? ['every round (s)'] : [])],
    report.methods.map((m) => [m.method, m.tracks, m.seconds.toFixed(2), m.tracksPerSecond,
      m.vsRowByRow === null ? '-' : `${m.vsRowByRow.toFixed(1)}×`,
      m.vsInDatabase === null ? '-' : `${(m.vsInDatabase * 100).toFixed(0)} %`, m.written, `${m.machineBusyPercent} %`,
      ...(repeated ? [m.runsSeconds.join(' ')] : [])]),
  );
  const lines = [
    `Backfill benchmark — ${report.seed.tracks} tracks (${report.seed.withData} with legacy data), ` +
      `${report.machine.cpus} CPUs, Node ${report.machine.node}, ${report.machine.postgres}`,
    `command: ${report.command}`,
    `code: ${report.code.commit}${report.code.uncommitted.length ? ` + ${report.code.uncommitted.length} uncommitted fleet files` : ''}` +
      (repeated ? `; median of ${report.options.repeat} rounds` : ''),
    '',
    methods,
    ...rowByRowSampleNote(report.methods, report.seed.tracks),
    '',
  ];
  const fleetMedian = report.methods.find((m) => m.key === 'fleet');
  const detail = report.fleet.find((f) => round(f.seconds, 2) === fleetMedian?.seconds) ?? report.fleet[0];
  if (detail) lines.push(...fleetLines(detail), '');
  lines.push(processTable(report.processes));
  return lines.join('\n');
}

/** When row-by-row ran on a sample, say so beside the table: its × row-by-row column flatters the method. */
export function rowByRowSampleNote(methods: Pick<RatedMethod, 'key' | 'tracks'>[], tracks: number): string[] {
  const rowByRow = methods.find((m) => m.key === 'row-by-row');
  if (!rowByRow || rowByRow.tracks >= tracks) return [];
  return [`note: row-by-row ran on ${rowByRow.tracks} of ${tracks} tracks; a sample flatters it (measured about 2× at ` +
    `1,000,000 tracks), so "× row-by-row" is low — --row-by-row-sample ${tracks} walks the whole table`];
}

function fleetLines(fleet: FleetDetail): string[] {
  const m = fleet.metrics;
  // Prefetch lets a consumer hold several ranges at once, so summed range time can exceed wall time.
  const inFlight = fleet.seconds > 0 ? (m.rangeWorkSeconds / fleet.seconds).toFixed(1) : '-';
  return [
    `fleet job ${fleet.jobId} (round ${fleet.round}): ${fleet.state}; ${m.ranges.total} ranges (${m.ranges.done} done, ` +
      `${m.ranges.failed} failed, ${m.ranges.retried} retried); tracks ${m.tracks.converted} converted, ${m.tracks.failed} failed, ` +
      `${m.tracks.skipped} skipped`,
    `  enqueue → producer took it ${m.pickupSeconds ?? '-'} s; → last range published +${m.publishSeconds ?? '-'} s; ` +
      `enqueue → first range done ${m.firstRangeSeconds ?? '-'} s; tail (fewer ranges left than consumers) ${m.tailSeconds ?? '-'} s; ` +
      `last range done → job completed ${m.closeSeconds ?? '-'} s`,
    `  time inside ranges (ledger duration_ms: read + convert + write): ${m.rangeWorkSeconds} s in total, ` +
      `${inFlight} ranges in flight on average over ${fleet.consumers} consumers; range mean ${m.meanRangeMs} ms, p95 ${m.p95RangeMs} ms`,
    `  CPU of the PostgreSQL backends serving the fleet: ${fleet.databaseCpuSeconds ?? '-'} s`,
    ...(fleet.deferredIndexBuildSeconds === undefined ? [] : [`  deferred indexes built afterwards in ${fleet.deferredIndexBuildSeconds} s (not in the fleet's time)`]),
    phaseLine(fleet.phases),
  ];
}

/** The consumers' own phase metrics as shares of their range time. */
function phaseLine(p: FleetPhases): string {
  if (p.scraped === 0 || p.ranges <= 0) return '  phases: no consumer /metrics answered';
  const share = (s: number) => `${s.toFixed(1)} s (${Math.round((s / p.ranges) * 100)} %)`;
  return `  phases (consumers' /metrics, ${p.rangeCount} ranges, ${p.ranges} s in ranges): read ${share(p.read)}, ` +
    `convert ${share(p.convert)}, write ${share(p.write)}, commit ${share(p.commit)}, ack ${share(p.ack)}, ` +
    `other (checkout, BEGIN, ledger lock, mark done) ${share(p.otherInRange)}; ` +
    `after the ack, beside the next range: report (Redis, finish check) ${p.report.toFixed(1)} s; GC ${p.gc} s`;
}

/** One row per process name: the highest peak RSS over the rounds, and CPU seconds of each round. */
function processTable(processes: BenchReport['processes']): string {
  const names = [...new Set(processes.map((p) => `${p.method}\u0000${p.name}`))];
  const rows = names.map((id) => {
    const own = processes.filter((p) => `${p.method}\u0000${p.name}` === id);
    const peaks = own.map((p) => p.peakRssMb).filter((n): n is number => n !== null);
    const cpu = own.map((p) => p.cpuSeconds).filter((n): n is number => n !== null);
    return [own[0]?.method ?? '', own[0]?.name ?? '', peaks.length ? Math.max(...peaks) : '-', cpu.length ? cpu.join(' ') : '-'];
  });
  return formatTable(['method', 'process', 'peak RSS MB', 'CPU s (fleet interval)'], rows);
}

export function writeJsonReport(path: string, report: object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
