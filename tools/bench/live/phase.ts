import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { probeApplicationLatency, type ProbeRound } from '../../../src/operations/appLatencyProbe.js';
import { quantile } from '../../../src/operations/latencyTarget.js';
import type { Config } from '../../../src/shared/config.js';
import { Coordinator } from '../../../src/shared/coordinator/coordinator.js';
import { createPool } from '../../../src/shared/db/pool.js';
import { getJob } from '../../../src/shared/ledger/jobs.js';
import { setOperatorCap } from '../../../src/operations/throttle.js';
import { fleetNames } from '../../../src/shared/names.js';
import { deleteNamespace } from '../../../src/shared/namespaceCleanup.js';
import { runFleet } from '../fleetRun.js';
import type { LiveOptions, LivePhase } from './options.js';
import type { PrivatePostgres } from './privatePostgres.js';
import { latencyFigures, Workload, type LatencyFigures, type Transaction } from './workload.js';

/** The application runs this long before anything is measured: connections made, caches warm. */
const LEAD_MS = 10_000;
/** Two throttle rounds of the producer before the job: the guard's baseline is measured while no job runs. */
const QUIET_BEFORE_JOB_MS = 11_000;
const PROBE_EVERY_MS = 2_500;

export interface ServerCounters {
  walBytes: number;
  checkpointsTimed: number;
  checkpointsRequested: number;
  checkpointWriteMs: number;
  checkpointSyncMs: number;
}

export interface WindowFigures {
  seconds: number;
  all: LatencyFigures;
  reads: LatencyFigures;
  writes: LatencyFigures;
  /** The guard's probe as the bench saw it in this window (ms per round; rounds with other sessions active). */
  probe: { rounds: number; median: number; p90: number; max: number; waitingRounds: number };
  /** WAL and checkpoints over the window. */
  server: ServerCounters;
}

export interface PhaseResult {
  phase: LivePhase;
  during: WindowFigures | null;
  after: WindowFigures | null;
  /** The baseline's whole run (the application alone). */
  alone: WindowFigures | null;
  /** The application alone in this phase, from the end of its warm-up to the enqueue (the fleet idle, started). */
  before: WindowFigures | null;
  backfill: { jobId: number; state: string; seconds: number; tracks: number; tracksPerSecond: number; throttle: ThrottleSummary } | null;
}

interface ThrottleSample {
  atMs: number;
  /** The job's budget, tracks/s; -1 = unlimited. */
  rate: number;
  reason: string;
}

/** How the throttle treated the job, sampled each second: the share of seconds limited, and why. */
export interface ThrottleSummary {
  samples: number;
  limitedShare: number;
  lowestRate: number | null;
  /** Each distinct reason (numbers stripped) with its count of samples. */
  reasons: Record<string, number>;
}

function throttleSummary(samples: ThrottleSample[]): ThrottleSummary {
  const limited = samples.filter((s) => s.rate >= 0);
  const reasons: Record<string, number> = {};
  for (const s of limited) {
    const key = s.reason.replace(/[\d.]+/g, 'N');
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  return {
    samples: samples.length, limitedShare: samples.length ? limited.length / samples.length : 0,
    lowestRate: limited.length ? Math.min(...limited.map((s) => s.rate)) : null, reasons,
  };
}

interface Deps {
  /** tracks/s of the backfill phase, for the capped phase's cap. */
  unguardedRate?: number;
  config: Config;
  options: LiveOptions;
  cluster: PrivatePostgres;
  redis: Redis;
  say: (line: string) => void;
}

/** One phase on a fresh copy of the template database: the application and/or a backfill, measured. */
export async function runPhase(deps: Deps, phase: LivePhase, template: string): Promise<PhaseResult> {
  const { options, cluster } = deps;
  const database = `live_${phase}`;
  await adminQuery(cluster, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`, `CREATE DATABASE ${database} TEMPLATE ${template}`,
    ...(phase === 'walsized' ? [`ALTER SYSTEM SET max_wal_size = '${options.walSize}'`, 'SELECT pg_reload_conf()'] : []));
  try {
    return await measurePhase(deps, phase, database);
  } finally {
    await adminQuery(cluster, 'ALTER SYSTEM RESET max_wal_size', 'SELECT pg_reload_conf()', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

async function adminQuery(cluster: PrivatePostgres, ...statements: string[]): Promise<void> {
  const admin = createPool(cluster.url(), { applicationName: 'tracktion-migrate bench', max: 1 });
  try {
    for (const sql of statements) await admin.query(sql);
  } finally {
    await admin.end();
  }
}

const GUARDED: readonly LivePhase[] = ['guarded', 'walsized', 'idle'];
const WITHOUT_APPLICATION: readonly LivePhase[] = ['alone', 'idle'];

async function measurePhase(deps: Deps, phase: LivePhase, database: string): Promise<PhaseResult> {
  const { options, cluster, say } = deps;
  const pool = createPool(cluster.url(database), { applicationName: 'tracktion-migrate bench', max: 3 });
  const withApplication = !WITHOUT_APPLICATION.includes(phase);
  const workload = withApplication
    ? new Workload({ port: cluster.port, database, tracks: options.tracks, rate: options.rate, clients: options.clients, dir: mkdtempSync(join(tmpdir(), 'tm-bench-live-')), label: phase })
    : undefined;
  const probes: { atMs: number; round: ProbeRound }[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const round = await probeApplicationLatency(pool).catch(() => undefined);
      if (round) probes.push({ atMs: Date.now(), round });
      await sleep(PROBE_EVERY_MS);
    }
  })();
  const throttle: ThrottleSample[] = [];
  const watched = new Coordinator(deps.redis, fleetNames(`${options.namespace}-${phase}`).redisPrefix);
  const watcher = (async () => {
    while (probing) {
      const { rows } = await pool.query<{ id: number }>('SELECT max(id)::float8 AS id FROM backfill_jobs').catch(() => ({ rows: [] as { id: number }[] }));
      const jobId = rows[0]?.id;
      if (jobId) {
        const fields = await watched.throttleFields(jobId).catch(() => ({} as Record<string, string>));
        if (fields.rate !== undefined) throttle.push({ atMs: Date.now(), rate: Number(fields.rate), reason: fields.reason ?? '' });
      }
      await sleep(1000);
    }
  })();
  try {
    await pool.query('CHECKPOINT');
    await sleep(withApplication ? LEAD_MS : 1000);
    const s0 = await serverCounters(pool);
    const leadEndMs = Date.now();
    if (phase === 'baseline') {
      say(`${phase}: the application alone for ${options.phaseSeconds} s`);
      const fromMs = Date.now();
      await sleep(options.phaseSeconds * 1000);
      const toMs = Date.now();
      const s1 = await serverCounters(pool);
      const transactions = await workload!.stop();
      return { phase, during: null, after: null, before: null, alone: windowFigures(transactions, probes, fromMs, toMs, difference(s1, s0)), backfill: null };
    }
    const namespace = `${options.namespace}-${phase}`;
    const names = fleetNames(namespace);
    const coordinator = new Coordinator(deps.redis, names.redisPrefix);
    say(`${phase}: backfill of ${options.tracks} tracks${withApplication ? ' beside the application' : ''}${GUARDED.includes(phase) ? ` (guard ${options.guardTarget})` : ''}${phase === 'walsized' ? `, max_wal_size ${options.walSize}` : ''}`);
    const run = await runFleet(deps.config, pool, deps.redis, {
      databaseUrl: cluster.url(database), databaseName: database, namespace, names, consumers: options.consumers,
      rangeSize: deps.config.BACKFILL_RANGE_SIZE, prefetch: undefined, cpuProfDir: undefined, say,
      env: { BACKFILL_APP_LATENCY_TARGET: GUARDED.includes(phase) ? options.guardTarget : 'off', LOG_LEVEL: 'warn' },
      beforeEnqueue: () => sleep(QUIET_BEFORE_JOB_MS),
      afterCreate: async (jobId) => {
        if (phase !== 'capped') return;
        if (deps.unguardedRate === undefined) throw new Error('the capped phase needs the backfill phase before it');
        await setOperatorCap({ pool, coordinator }, jobId, Math.round(deps.unguardedRate * options.capShare));
      },
    }).finally(() => deleteNamespace(deps.config, deps.redis, names, namespace).catch(() => undefined));
    // The fleet drains in about a second after the job completes: its WAL counts as the job's.
    const s1 = await serverCounters(pool);
    const job = await getJob(pool, run.jobId);
    const startMs = job?.createdAt.getTime() ?? Date.now();
    const endMs = (job?.finishedAt ?? new Date()).getTime();
    const afterEndMs = endMs + options.phaseSeconds * 1000;
    // pgbench loses the last second of its log when stopped: it runs a little past the window.
    await sleep(Math.max(0, afterEndMs - Date.now()));
    const s2 = await serverCounters(pool);
    await sleep(3000);
    const transactions = workload ? await workload.stop() : [];
    const tracks = run.metrics.tracks.converted + run.metrics.tracks.failed;
    return {
      phase, alone: null,
      before: withApplication ? windowFigures(transactions, probes, leadEndMs, startMs, difference(s0, s0)) : null,
      during: windowFigures(transactions, probes, startMs, endMs, difference(s1, s0)),
      after: windowFigures(transactions, probes, endMs, afterEndMs, difference(s2, s1)),
      backfill: { jobId: run.jobId, state: run.state, seconds: run.seconds, tracks, tracksPerSecond: tracks / run.seconds,
        throttle: throttleSummary(throttle.filter((t) => t.atMs >= startMs && t.atMs < endMs)) },
    };
  } finally {
    probing = false;
    await prober;
    await watcher;
    if (workload) await workload.stop().catch(() => undefined);
    await pool.end();
  }
}

export async function serverCounters(pool: pg.Pool): Promise<ServerCounters> {
  const { rows } = await pool.query<ServerCounters>(`
    SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS "walBytes",
           checkpoints_timed::int AS "checkpointsTimed", checkpoints_req::int AS "checkpointsRequested",
           checkpoint_write_time::float8 AS "checkpointWriteMs", checkpoint_sync_time::float8 AS "checkpointSyncMs"
    FROM pg_stat_bgwriter`);
  return rows[0]!;
}

function difference(later: ServerCounters, earlier: ServerCounters): ServerCounters {
  return Object.fromEntries(Object.entries(later).map(([key, value]) => [key, value - earlier[key as keyof ServerCounters]])) as unknown as ServerCounters;
}

function windowFigures(transactions: Transaction[], probes: { atMs: number; round: ProbeRound }[],
  fromMs: number, toMs: number, server: ServerCounters): WindowFigures {
  const rounds = probes.filter((p) => p.atMs >= fromMs && p.atMs < toMs).map((p) => p.round);
  const ms = rounds.map((r) => r.probeMs);
  return {
    seconds: (toMs - fromMs) / 1000,
    all: latencyFigures(transactions, fromMs, toMs),
    reads: latencyFigures(transactions, fromMs, toMs, ['read']),
    writes: latencyFigures(transactions, fromMs, toMs, ['play', 'insert']),
    probe: { rounds: rounds.length, median: quantile(ms, 0.5), p90: quantile(ms, 0.9), max: quantile(ms, 1), waitingRounds: rounds.filter((r) => r.waitingSessions > 0).length },
    server,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
