import { Command, InvalidArgumentError } from 'commander';
import { intOption } from '../../../src/cli/options.js';
import { parseAppLatencyTarget } from '../../../src/shared/config.js';

export const LIVE_PHASES = ['baseline', 'backfill', 'guarded', 'walsized', 'capped', 'alone', 'idle'] as const;
export type LivePhase = (typeof LIVE_PHASES)[number];

/** What one `npm run bench:live` run measures, every default in one place. */
export interface LiveOptions {
  tracks: number;
  /** The application's transactions per second (pgbench --rate) and its connections (--client). */
  rate: number;
  clients: number;
  consumers: number;
  /** How long the baseline runs, and the window measured after each backfill. */
  phaseSeconds: number;
  /** BACKFILL_APP_LATENCY_TARGET of the guarded phase. */
  guardTarget: string;
  /** The capped phase's operator cap, as a share of the backfill phase's tracks/s. */
  capShare: number;
  /** max_wal_size of the walsized phase. */
  walSize: string;
  /** Settings of the private cluster (max_wal_size …). */
  serverSettings: Record<string, string>;
  phases: LivePhase[];
  jsonOut: string;
  namespace: string;
}

const HELP_AFTER = `
Starts a PostgreSQL cluster of its own (a temporary data directory, a free port; the shared server is not
touched), seeds one template database and gives every phase a fresh copy of it:
  baseline   the application alone (pgbench: reads 70 %, play-count updates 20 %, new tracks 10 %)
  backfill   the application during a backfill with default settings, and in the --phase-seconds after it
  guarded    the same with the latency guard on (BACKFILL_APP_LATENCY_TARGET=--guard-target)
  walsized   guarded, with max_wal_size raised to --wal-size for the phase (as the producer's NOTE advises)
  capped     no guard, an operator cap of --cap-share of the backfill phase's rate (runs after it): what the
             application feels at that rate, however the rate is reached
  alone      the backfill without the application (the reference rate)
  idle       the backfill without the application, guard on: an idle application must not slow it
RabbitMQ and Redis are the configured ones, under a namespace of the run's own.
The table goes to stdout, progress to stderr, everything also to --json-out.`;

function serverSetting(value: string, previous: Record<string, string>): Record<string, string> {
  const match = /^([a-z_]+)=([A-Za-z0-9.]+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('must be name=value, e.g. max_wal_size=4GB');
  return { ...previous, [match[1] as string]: match[2] as string };
}

function phaseList(value: string): LivePhase[] {
  const phases = value.split(',').map((p) => p.trim());
  const unknown = phases.filter((p) => !(LIVE_PHASES as readonly string[]).includes(p));
  if (unknown.length || !phases.length) throw new InvalidArgumentError(`must be a comma-separated list of ${LIVE_PHASES.join(', ')}`);
  return phases as LivePhase[];
}

function walSize(value: string): string {
  if (!/^\d+(MB|GB)$/.test(value)) throw new InvalidArgumentError('must be a size like 4GB or 2048MB');
  return value;
}

function target(value: string): string {
  if (parseAppLatencyTarget(value) === undefined) throw new InvalidArgumentError('must be off, a ratio like 2x, or a time like 25ms');
  return value;
}

export function parseLiveOptions(argv: string[], now = new Date()): LiveOptions {
  const program = new Command('bench:live')
    .description('The application\'s latency beside a backfill: pgbench at a fixed rate, with and without the latency guard.')
    .option('--tracks <n>', 'legacy tracks to seed', intOption(1, 100_000_000), 300_000)
    .option('--rate <tps>', 'the application\'s transactions per second', intOption(1, 100_000), 200)
    .option('--clients <n>', 'the application\'s connections', intOption(1, 100), 2)
    .option('--consumers <k>', 'consumer processes of the fleet', intOption(1, 64), 2)
    .option('--phase-seconds <s>', 'length of the baseline, and of the window after each backfill', intOption(5, 3600), 60)
    .option('--guard-target <t>', 'BACKFILL_APP_LATENCY_TARGET of the guarded phase', target, '2x')
    .option('--cap-share <percent>', 'operator cap of the capped phase, in % of the backfill phase\'s rate', intOption(1, 100), 70)
    .option('--wal-size <size>', 'max_wal_size of the walsized phase', walSize, '2GB')
    .option('--server-setting <name=value>', 'a setting of the private cluster (repeatable), e.g. max_wal_size=4GB', serverSetting, {})
    .option('--phases <list>', `phases to run, in order (${LIVE_PHASES.join(',')})`, phaseList, [...LIVE_PHASES])
    .option('--json-out <file>', 'where the JSON results go', `bench-results/live-${now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.json`)
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .parse(argv);
  const o = program.opts<{
    tracks: number; rate: number; clients: number; consumers: number; phaseSeconds: number; guardTarget: string; walSize: string; capShare: number;
    serverSetting: Record<string, string>; phases: LivePhase[]; jsonOut: string;
  }>();
  return Object.freeze({
    tracks: o.tracks, rate: o.rate, clients: o.clients, consumers: o.consumers, phaseSeconds: o.phaseSeconds,
    guardTarget: o.guardTarget, walSize: o.walSize, capShare: o.capShare / 100, serverSettings: o.serverSetting, phases: o.phases, jsonOut: o.jsonOut,
    namespace: `live-${now.getTime()}`,
  });
}
