import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LiveOptions } from './options.js';
import type { PhaseResult, WindowFigures } from './phase.js';

export interface LiveReport {
  command: string;
  startedAt: string;
  machine: { cpus: number; node: string; postgres: string; loadAverage: number[] };
  options: Omit<LiveOptions, 'jsonOut'>;
  phases: PhaseResult[];
}

const fixed = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

/** The side-by-side table: the application's latency in each window, the backfill's rate, WAL and checkpoints. */
export function formatLiveReport(report: LiveReport): string {
  const baseline = report.phases.find((p) => p.phase === 'baseline')?.alone ?? null;
  const alone = report.phases.find((p) => p.phase === 'alone')?.backfill ?? null;
  const header = ['phase', 'window', 's', 'tps', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'p99/base', 'p99/before', 'reads p99', 'writes p99',
    'probe', 'tracks/s', 'vs alone', 'vs unguarded', 'WAL MB', 'ckpt t/r'];
  const rows: string[][] = [];
  const row = (phase: string, window: string, w: WindowFigures, rate: string, relative: string, unguarded: string, before: WindowFigures | null) => rows.push([
    phase, window, fixed(w.seconds, 0), fixed(w.all.tps, 0), fixed(w.all.p50, 2), fixed(w.all.p95, 2), fixed(w.all.p99, 2), fixed(w.all.max, 0),
    baseline ? `${fixed(w.all.p99 / baseline.all.p99)}×` : '-', before ? `${fixed(w.all.p99 / before.all.p99)}×` : '', fixed(w.reads.p99, 2), fixed(w.writes.p99, 2), fixed(w.probe.p90, 2),
    rate, relative, unguarded, fixed(w.server.walBytes / 1e6, 0), `${w.server.checkpointsTimed}/${w.server.checkpointsRequested}`,
  ]);
  for (const p of report.phases) {
    const rate = p.backfill ? fixed(p.backfill.tracksPerSecond, 0) : '';
    const percentOf = (other: { tracksPerSecond: number } | null | undefined) =>
      p.backfill && other ? `${fixed((100 * p.backfill.tracksPerSecond) / other.tracksPerSecond, 0)} %` : '';
    // The guard's cost: the same situation without it (the application present or not).
    const unguarded = p.phase === 'idle' ? alone : ['guarded', 'walsized', 'capped'].includes(p.phase) ? report.phases.find((q) => q.phase === 'backfill')?.backfill : null;
    if (p.alone) row(p.phase, 'alone', p.alone, '', '', '', null);
    if (p.before) row(p.phase, 'before', p.before, '', '', '', null);
    if (p.during) row(p.phase, 'during', p.during, rate, percentOf(alone), percentOf(unguarded), p.before);
    if (p.after) row(p.phase, 'after', p.after, '', '', '', p.before);
  }
  const throttled = report.phases.filter((p) => p.backfill).map((p) => {
    const t = p.backfill!.throttle;
    const reasons = Object.entries(t.reasons).map(([reason, n]) => `${reason} (${n})`).join('; ');
    return `${p.phase}: throttled ${fixed(100 * t.limitedShare, 0)} % of ${t.samples} s${t.lowestRate !== null ? `, lowest ${t.lowestRate} tracks/s` : ''}${reasons ? ` — ${reasons}` : ''}`;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [
    `bench:live — ${report.options.tracks} tracks, application ${report.options.rate} tx/s on ${report.options.clients} connections, ${report.options.consumers} consumers, guard ${report.options.guardTarget}`,
    `${report.machine.cpus} CPUs, Node ${report.machine.node}, ${report.machine.postgres}, load ${report.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')} at the start`,
    '',
    line(header), ...rows.map(line),
    '',
    ...throttled,
    '',
    'window: before = the application alone in the phase, fleet started, before the enqueue (~15 s); during = enqueue to',
    'completed; after = the next --phase-seconds. p99/base: p99 ÷ the baseline phase\'s p99; p99/before: ÷ the phase\'s own before.',
    'vs unguarded: tracks/s ÷ the same phase without the guard (guarded, walsized, capped: backfill; idle: alone).',
    'probe: the latency guard\'s probe as the bench sampled it every 2.5 s (ms, 90th percentile of its rounds). WAL MB and checkpoints (timed/requested) over the window.',
  ].join('\n');
}

export function writeLiveReport(file: string, report: LiveReport): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
