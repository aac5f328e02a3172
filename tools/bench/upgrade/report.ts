import { formatTable } from '../../../src/cli/output.js';

export const UPGRADE_METHODS = ['reference', 'fleet'] as const;
export type UpgradeMethod = (typeof UPGRADE_METHODS)[number];

/** One whole upgrade of one copy of the library. */
export interface UpgradeRound {
  method: UpgradeMethod;
  round: number;
  phases: { name: string; seconds: number }[];
  /** The phases' sum: the whole upgrade. */
  seconds: number;
  /** analysis_history rows at the end: both methods convert the same tracks. */
  converted: number;
  /** CPU of the PostgreSQL backends doing the backfill: the reference's 2 sessions, the fleet's connections. */
  backfillBackendCpuSeconds: number | null;
  /** Fleet only: the backfill backends' CPU by application_name (producer, consumers). */
  backfillBackendCpuByApplication?: Record<string, number>;
  /** CPU of the whole PostgreSQL server over the round (every process, exited ones included). */
  serverCpuSeconds: number | null;
  /** Fleet only: spawning the processes until ready (not counted). */
  fleetStartSeconds?: number;
  indexes: { valid: number; invalid: number };
}

export interface UpgradeSummary {
  /** Per method, the round with the median whole-upgrade time (the lower of an even count). */
  median: Record<UpgradeMethod, UpgradeRound>;
  /** Reference seconds ÷ fleet seconds, whole upgrade (medians): above 1, the fleet is faster. */
  speedup: number;
  /** Per 1,000,000 converted tracks, medians over the rounds: backfill backends and the whole server. */
  cpuPerMillion: Record<UpgradeMethod, { backfillBackends: number | null; server: number | null }>;
  /** Fleet ÷ reference of those. */
  cpuRatio: { backfillBackends: number | null; server: number | null };
}

export function summarize(rounds: UpgradeRound[]): UpgradeSummary {
  const of = (method: UpgradeMethod) => rounds.filter((r) => r.method === method);
  const median = {
    reference: medianBy(of('reference'), (r) => r.seconds),
    fleet: medianBy(of('fleet'), (r) => r.seconds),
  };
  const perMillion = (r: UpgradeRound, cpu: number | null) => (cpu === null || r.converted === 0 ? null : (cpu / r.converted) * 1e6);
  const cpu = (method: UpgradeMethod) => ({
    backfillBackends: medianOf(of(method).map((r) => perMillion(r, r.backfillBackendCpuSeconds))),
    server: medianOf(of(method).map((r) => perMillion(r, r.serverCpuSeconds))),
  });
  const cpuPerMillion = { reference: cpu('reference'), fleet: cpu('fleet') };
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b, 2));
  return {
    median, speedup: round(median.reference.seconds / median.fleet.seconds, 2), cpuPerMillion,
    cpuRatio: {
      backfillBackends: ratio(cpuPerMillion.fleet.backfillBackends, cpuPerMillion.reference.backfillBackends),
      server: ratio(cpuPerMillion.fleet.server, cpuPerMillion.reference.server),
    },
  };
}

const LABEL: Record<UpgradeMethod, string> = {
  reference: 'without the tool: Alembic revision (indexes up front) + in-database SQL, 2 sessions',
  fleet: 'the tool: db migrate --defer-indexes + fleet + db build-indexes',
};

export function formatSummary(rounds: UpgradeRound[], summary: UpgradeSummary): string {
  const lines: string[] = [];
  const perRound = rounds.map((r) => [r.method, r.round, r.seconds.toFixed(2), ...phaseCells(r), r.converted,
    fixed(r.backfillBackendCpuSeconds, 1), fixed(r.serverCpuSeconds, 1), `${r.indexes.valid}/${r.indexes.valid + r.indexes.invalid}`]);
  lines.push(formatTable(['method', 'round', 'whole s', 'migrate s', 'backfill s', 'build s', 'converted', 'backfill DB CPU s', 'server CPU s', 'valid indexes'], perRound));
  lines.push('');
  for (const method of UPGRADE_METHODS) {
    const m = summary.median[method];
    lines.push(`${LABEL[method]}: median whole upgrade ${m.seconds.toFixed(2)} s (${m.phases.map((p) => `${p.name} ${p.seconds.toFixed(2)}`).join(', ')})`);
  }
  lines.push(`whole upgrade: the tool is ${summary.speedup.toFixed(2)}× as fast as the reference (median ÷ median)`);
  const c = summary.cpuPerMillion;
  lines.push(`PostgreSQL CPU per 1,000,000 converted tracks (median of rounds): backfill backends ${fixed(c.fleet.backfillBackends, 1)} s against ${
    fixed(c.reference.backfillBackends, 1)} s = ${fixed(summary.cpuRatio.backfillBackends, 2)}×; whole server over the upgrade ${
    fixed(c.fleet.server, 1)} s against ${fixed(c.reference.server, 1)} s = ${fixed(summary.cpuRatio.server, 2)}×`);
  const starts = rounds.flatMap((r) => (r.fleetStartSeconds === undefined ? [] : [r.fleetStartSeconds.toFixed(2)]));
  if (starts.length) lines.push(`fleet start-up, not counted (deployed before the upgrade): ${starts.join(' / ')} s`);
  return lines.join('\n');
}

/** migrate / backfill / build seconds: the reference builds its indexes inside its migrate (up front). */
function phaseCells(r: UpgradeRound): string[] {
  const at = (prefix: string) => r.phases.find((p) => p.name.startsWith(prefix))?.seconds.toFixed(2) ?? '-';
  return [at('migrate'), at('backfill'), at('build')];
}

function medianBy<T>(items: T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  const picked = sorted[Math.floor((sorted.length - 1) / 2)];
  if (picked === undefined) throw new Error('no rounds to summarize');
  return picked;
}

function medianOf(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? round(medianBy(known, (v) => v), 1) : null;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function fixed(n: number | null, digits: number): string {
  return n === null ? '-' : n.toFixed(digits);
}
