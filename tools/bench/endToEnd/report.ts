import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatTable } from '../../../src/cli/output.js';
import type { Check, CheckStatus } from '../../../src/schema/checks.js';
import type { SeedShape } from '../benchDatabase.js';
import type { FleetMetrics } from '../fleetMetrics.js';
import type { FleetPhases } from '../fleetPhases.js';
import type { MeasuredCode } from '../measuredCode.js';
import type { ProcessUsage } from '../resourceSampler.js';
import type { EndToEndOptions } from './options.js';
import type { ProgressSample, RateInterval, RateSummary, RssSummary } from './series.js';

export const PHASES = ['seed', 'migrate', 'backfill', 'build-indexes', 'verify'] as const;
export type PhaseName = (typeof PHASES)[number];

/** One phase: its seconds, and what the whole server wrote and checkpointed meanwhile. */
export interface PhaseMeasurement {
  phase: PhaseName;
  /** Wall seconds; the backfill's are the job's, enqueue to completed (the fleet's start and stop are outside). */
  seconds: number;
  walBytes: number;
  checkpoints: number;
  /** Rows other databases of the server wrote meanwhile: when not 0, part of walBytes is theirs. */
  otherRowWrites: number;
  /** The bench database's size after the phase (pg_database_size). */
  databaseBytes: number;
}

export interface BackfillDetail {
  jobId: number;
  state: string;
  seconds: number;
  /** Tracks of the table ÷ seconds, as `npm run bench` reports the fleet. */
  tracksPerSecond: number;
  /** Tracks converted (the ledger's sum) ÷ seconds: the rate the series is in. */
  convertedPerSecond: number;
  metrics: FleetMetrics;
  phases: FleetPhases;
  databaseCpuSeconds: number | null;
  machineBusyPercent: number;
  exitCodes: Record<string, number | null>;
  samples: ProgressSample[];
  rateSeries: RateInterval[];
  rateSummary: RateSummary | null;
  processes: (ProcessUsage & { rss: RssSummary | null })[];
}

export interface VerifyDetail {
  ok: boolean;
  counts: Record<CheckStatus, number>;
  checks: Check[];
}

export interface EndToEndReport {
  command: string;
  startedAt: string;
  machine: { cpus: number; node: string; postgres: string; maxWalSize: string };
  code: MeasuredCode;
  options: Omit<EndToEndOptions, 'jsonOut'>;
  seed: SeedShape;
  /** Revisions `db migrate` applied after Baseline. */
  migrated: string[];
  phases: PhaseMeasurement[];
  totalSeconds: number;
  backfill: BackfillDetail;
  /** --defer-indexes: the indexes the build-indexes phase built. */
  builtIndexes?: string[];
  verify: VerifyDetail;
}

export function formatEndToEndReport(report: EndToEndReport): string {
  const phases = formatTable(['phase', 'seconds', 'WAL MB', 'checkpoints', 'other DBs\' row writes', 'database MB after'], [
    ...report.phases.map((p) => [p.phase, p.seconds.toFixed(1), mb(p.walBytes), p.checkpoints, p.otherRowWrites, mb(p.databaseBytes)]),
    ['total', report.totalSeconds.toFixed(1), mb(report.phases.reduce((sum, p) => sum + p.walBytes, 0)),
      report.phases.reduce((sum, p) => sum + p.checkpoints, 0), report.phases.reduce((sum, p) => sum + p.otherRowWrites, 0), ''],
  ]);
  const shared = report.phases.filter((p) => p.otherRowWrites > 0).map((p) => p.phase);
  const b = report.backfill;
  const v = report.verify;
  return [
    `End-to-end upgrade — ${report.seed.tracks} tracks (${report.seed.withData} with legacy data), ` +
      `${report.options.consumers} consumer${report.options.consumers === 1 ? '' : 's'}, ` +
      `range ${report.options.rangeSize}${report.options.deferIndexes ? ', indexes deferred' : ''}; ${report.machine.cpus} CPUs, ` +
      `Node ${report.machine.node}, ${report.machine.postgres} (max_wal_size ${report.machine.maxWalSize})`,
    `command: ${report.command}`,
    `code: ${report.code.commit}${report.code.uncommitted.length ? ` + ${report.code.uncommitted.length} uncommitted fleet files` : ''}`,
    '',
    phases,
    ...(shared.length ? [`note: other databases wrote rows during ${shared.join(', ')}: WAL is the whole server's, so part of those ` +
      'phases\' WAL MB (and checkpoints) is theirs; on a quiet server the column is 0'] : []),
    '',
    `backfill: job ${b.jobId} ${b.state}; ${b.metrics.tracks.converted} converted, ${b.metrics.tracks.failed} failed, ${b.metrics.tracks.skipped} skipped; ` +
      `${b.tracksPerSecond} tracks/s (${b.convertedPerSecond} converted/s); ranges ${b.metrics.ranges.done}/${b.metrics.ranges.total} done, ` +
      `${b.metrics.ranges.retried} retried`,
    rateLine(b.rateSummary, b.rateSeries.length),
    `  CPU of the PostgreSQL backends serving the fleet: ${b.databaseCpuSeconds ?? '-'} s; machine busy ${b.machineBusyPercent} %`,
    '',
    formatTable(['process', 'peak RSS MB', 'RSS start / middle / end MB', 'CPU s'],
      b.processes.map((p) => [p.name, p.peakRssMb ?? '-', p.rss ? `${p.rss.startMb} / ${p.rss.middleMb} / ${p.rss.endMb}` : '-', p.cpuSeconds ?? '-'])),
    '',
    `verify: ${v.counts.PASS} PASS, ${v.counts.WARN} WARN, ${v.counts.FAIL} FAIL, ${v.counts.INFO} INFO` +
      (v.ok ? '' : ` — failed: ${v.checks.filter((c) => c.status === 'FAIL').map((c) => c.name).join(', ')}`),
  ].join('\n');
}

function rateLine(summary: RateSummary | null, intervals: number): string {
  if (!summary) return `  rate over time: too short for the middle of the job (${intervals} readings; lower --sample-seconds)`;
  const trend = summary.trendPercent === null ? '' : `; second half vs first half ${summary.trendPercent >= 0 ? '+' : ''}${summary.trendPercent} %`;
  return `  rate over the middle ${Math.round(summary.middleShare * 100)} % of the job (${summary.intervals} intervals): ` +
    `min ${summary.min}, median ${summary.median}, max ${summary.max} converted/s (spread ${summary.spreadPercent} %${trend})`;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

export function writeEndToEndReport(path: string, report: EndToEndReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
