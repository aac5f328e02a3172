import type pg from 'pg';
import type { Redis } from 'ioredis';
import { allMigrations, deferrableSteps } from '../../../migrations/index.js';
import { seedDemoTracks } from '../../../src/demo/seedDemo.js';
import type { CheckStatus } from '../../../src/schema/checks.js';
import { buildDeferredIndexes } from '../../../src/schema/indexBuild.js';
import { ensureDatabaseExists, migrate } from '../../../src/schema/migrator.js';
import { verifyDatabase } from '../../../src/schema/verify.js';
import type { Config } from '../../../src/shared/config.js';
import { createPool, urlForDatabase } from '../../../src/shared/db/pool.js';
import { fleetNames } from '../../../src/shared/names.js';
import { dropBenchDatabase, quietLogger } from '../benchDatabase.js';
import { JOB_TIMEOUT_MS, runFleet, type FleetRun } from '../fleetRun.js';
import type { EndToEndOptions } from './options.js';
import { ProgressSampler } from './progressSampler.js';
import type { BackfillDetail, PhaseMeasurement, PhaseName, VerifyDetail } from './report.js';
import { rateSeries, round, summarizeRates, summarizeRss } from './series.js';
import type { ServerCounterReader } from './serverCounters.js';

/** The upgrade's phases, each what an operator runs, with the bench's quiet logger. */

/**
 * The job's deadline assumes at least this rate: a 10M-track job on a busy 2-CPU machine must not hit the
 * fleet bench's one-hour limit (measured 30,000 tracks/s on a quiet one, 5,600 beside another benchmark).
 */
const SLOWEST_TRACKS_PER_SECOND = 1000;

export interface PhaseContext {
  config: Config;
  options: EndToEndOptions;
  counters: ServerCounterReader;
  say: (line: string) => void;
}

/** Run one phase between two readings of the server's WAL position and checkpoint count. */
export async function timed<T>(ctx: PhaseContext, phase: PhaseName, run: () => Promise<T>,
  seconds?: (value: T) => number): Promise<{ value: T; measurement: PhaseMeasurement }> {
  ctx.say(`phase ${phase}`);
  const before = await ctx.counters.read();
  const started = performance.now();
  const value = await run();
  const wall = (performance.now() - started) / 1000;
  const delta = await ctx.counters.since(before);
  const measurement = { phase, seconds: round(seconds?.(value) ?? wall, 2), ...delta, databaseBytes: await ctx.counters.databaseBytes() };
  ctx.say(`phase ${phase}: ${measurement.seconds.toFixed(1)} s, WAL ${(delta.walBytes / 1024 / 1024).toFixed(1)} MB, ` +
    `${delta.checkpoints} checkpoints, ${delta.otherRowWrites} rows written by other databases`);
  return { value, measurement };
}

/**
 * The legacy library: a fresh database at the Baseline revision only (the old application's schema), N seeded
 * tracks, vacuumed and analysed, and a checkpoint so the seed's dirty pages are not flushed during `migrate`.
 */
export async function seedLibrary(ctx: PhaseContext): Promise<string> {
  const { options } = ctx;
  const url = urlForDatabase(ctx.config.DATABASE_URL, options.databaseName);
  await dropBenchDatabase(ctx.config.DATABASE_URL, options.databaseName);
  await ensureDatabaseExists(url);
  await migrate(url, { revisions: allMigrations, to: 'Baseline', logger: quietLogger('bench.migrate') });
  const pool = createPool(url, { applicationName: 'tracktion-migrate bench', max: 1 });
  try {
    let tenth = 0;
    await seedDemoTracks(pool, options.tracks, (done) => {
      const now = Math.floor((done * 10) / options.tracks);
      if (now > tenth) ctx.say(`seed: ${done}/${options.tracks} tracks`);
      tenth = now;
    });
    ctx.say('seed: VACUUM (ANALYZE) tracks');
    await pool.query('VACUUM (ANALYZE) tracks');
    // CHECKPOINT needs superuser or pg_checkpoint; without it the next phase only carries more of the seed's flush.
    await pool.query('CHECKPOINT').catch(() => ctx.say('seed: CHECKPOINT not allowed for this user; skipped'));
  } finally {
    await pool.end();
  }
  return url;
}

/** `db migrate` (with --defer-indexes if asked): every revision after Baseline. The revisions applied. */
export async function migrateLibrary(ctx: PhaseContext, databaseUrl: string): Promise<string[]> {
  const run = await migrate(databaseUrl, { revisions: allMigrations, deferIndexes: ctx.options.deferIndexes, logger: quietLogger('bench.migrate') });
  return run.done;
}

/**
 * The backfill as `npm run bench` runs the fleet (started and ready before the clock), and beside it the
 * ledger's converted count every --sample-seconds, from the job's creation on.
 */
export async function backfillLibrary(ctx: PhaseContext, databaseUrl: string, pool: pg.Pool, redis: Redis, tracks: number): Promise<BackfillDetail> {
  const { options } = ctx;
  let sampler: ProgressSampler | undefined;
  let run: FleetRun;
  try {
    run = await runFleet(ctx.config, pool, redis, {
      databaseUrl, databaseName: options.databaseName, namespace: options.namespace, names: fleetNames(options.namespace),
      consumers: options.consumers, rangeSize: options.rangeSize, prefetch: undefined, cpuProfDir: undefined, say: ctx.say,
      jobTimeoutMs: Math.max(JOB_TIMEOUT_MS, tracks * 1000 / SLOWEST_TRACKS_PER_SECOND),
      afterCreate: (jobId) => {
        sampler = new ProgressSampler(pool, jobId, options.sampleSeconds, ctx.say);
        sampler.start();
        return Promise.resolve();
      },
    });
  } catch (err) {
    await sampler?.stop().catch(() => undefined);
    throw err;
  }
  const samples = sampler ? await sampler.stop() : [];
  const series = rateSeries(samples);
  const perSecond = (n: number) => (run.seconds > 0 ? Math.round(n / run.seconds) : 0);
  return {
    jobId: run.jobId, state: run.state, seconds: round(run.seconds, 2),
    tracksPerSecond: perSecond(tracks), convertedPerSecond: perSecond(run.metrics.tracks.converted),
    metrics: run.metrics, phases: run.phases, databaseCpuSeconds: run.resources.databaseCpuSeconds,
    machineBusyPercent: run.resources.machineBusyPercent, exitCodes: run.exitCodes,
    samples, rateSeries: series, rateSummary: summarizeRates(series, run.seconds),
    processes: run.resources.processes.map((p) => ({ ...p, rss: summarizeRss(p.rssSeriesMb) })),
  };
}

/** `db build-indexes`: the indexes `--defer-indexes` left out. The indexes built. */
export async function buildIndexes(databaseUrl: string): Promise<string[]> {
  const { built } = await buildDeferredIndexes(databaseUrl, { revisions: allMigrations, deferrable: deferrableSteps, logger: quietLogger('bench.build-indexes') });
  return built;
}

/** `db verify`: schema and data checks; the counts of each verdict. */
export async function verifyLibrary(pool: pg.Pool): Promise<VerifyDetail> {
  const report = await verifyDatabase(pool);
  const counts: Record<CheckStatus, number> = { PASS: 0, WARN: 0, FAIL: 0, INFO: 0 };
  for (const check of report.checks) counts[check.status]++;
  return { ok: report.ok, counts, checks: report.checks };
}
