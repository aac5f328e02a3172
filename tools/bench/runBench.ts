import { availableParallelism } from 'node:os';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from '../../src/shared/config.js';
import { fleetNames } from '../../src/shared/names.js';
import { runBareNode } from './bareNode.js';
import { seedFresh, seedShape, writtenCounts, type SeedShape } from './benchDatabase.js';
import { runFleet } from './fleetRun.js';
import { timeDeferredBuild } from './deferredBuild.js';
import { convertInDatabase, createHelpers, writeFloor, type InDatabaseSettings } from './inDatabase.js';
import type { BenchOptions } from './options.js';
import { readMachineCpu, machineBusyPercent } from './procStats.js';
import { medianRuns, rate, type MeasuredPart, type MethodKey, type MethodRun } from './report.js';
import { runRowByRow } from './rowByRow.js';

export interface BenchContext {
  config: Config;
  options: BenchOptions;
  databaseUrl: string;
  pool: pg.Pool;
  redis: Redis;
  say: (line: string) => void;
}

/** What a method returns; the fleet gives its own CPU reading (the interval excludes its start-up). */
interface Measured {
  tracks: number;
  seconds: number;
  machineBusyPercent?: number;
}

interface Method {
  key: MethodKey;
  label: string;
  run: (round: number) => Promise<Measured>;
}

/**
 * Every method on the same data, each from a freshly seeded table. With --repeat R the methods run in
 * R rounds (A B C, A B C, …) and each method's median is reported: on a shared, noisy machine, load from
 * elsewhere then falls on every method alike, and only ratios within one run are compared.
 */
export async function runBench(ctx: BenchContext): Promise<MeasuredPart> {
  await createHelpers(ctx.pool);
  const seedStarted = performance.now();
  const shape = await reseed(ctx);
  const part: MeasuredPart = {
    seed: { ...shape, seconds: Math.round((performance.now() - seedStarted) / 10) / 100 },
    methods: [], fleet: [], processes: [],
  };
  const methods = [...coreMethods(ctx, shape, part), ...(ctx.options.extras ? extraMethods(ctx, shape, part) : [])];
  const runs: MethodRun[] = [];
  let fresh = true;
  for (let round = 1; round <= ctx.options.repeat; round++) {
    for (const method of methods) {
      if (!fresh) await reseed(ctx);
      fresh = false;
      runs.push(await measure(ctx, method, round));
    }
  }
  part.methods = rate(medianRuns(runs));
  return part;
}

function sqlSettings(ctx: BenchContext, sessions: number): InDatabaseSettings {
  return { sessions, chunkIds: ctx.options.sqlChunkIds, analysisVersion: ctx.config.ANALYSIS_VERSION };
}

function coreMethods(ctx: BenchContext, shape: SeedShape, part: MeasuredPart): Method[] {
  const { options, pool, say } = ctx;
  return [{
    key: 'in-database-2', label: 'in-database SQL, 2 sessions (reference)',
    run: async () => ({ tracks: shape.tracks, seconds: (await convertInDatabase(pool, shape, sqlSettings(ctx, 2))).seconds }),
  }, {
    key: 'fleet', label: `fleet: producer + ${options.consumers} consumers`,
    run: async (round) => {
      const run = await runFleet(ctx.config, pool, ctx.redis, {
        databaseUrl: ctx.databaseUrl, databaseName: options.databaseName, namespace: options.namespace,
        names: fleetNames(options.namespace), consumers: options.consumers, rangeSize: options.rangeSize,
        prefetch: options.prefetch, cpuProfDir: options.cpuProfDir, say,
      });
      part.fleet.push({ round, jobId: run.jobId, state: run.state, consumers: options.consumers, seconds: run.seconds,
        metrics: run.metrics, phases: run.phases, databaseCpuSeconds: run.resources.databaseCpuSeconds, exitCodes: run.exitCodes,
        ...(options.deferIndexes ? { deferredIndexBuildSeconds: await timeDeferredBuild(ctx.databaseUrl, pool, say) } : {}) });
      part.processes.push(...run.resources.processes.map((p) => ({ ...p, method: 'fleet' as const, round })));
      return { tracks: shape.tracks, seconds: run.seconds, machineBusyPercent: run.resources.machineBusyPercent };
    },
  }, {
    key: 'row-by-row', label: `row-by-row (UPDATE + INSERT per track, OFFSET batches${
      options.rowByRowSample < shape.tracks ? `, ${options.rowByRowSample} tracks spread over the table` : ''})`,
    run: async () => {
      const run = await runRowByRow(pool, shape.tracks, options.rowByRowSample, ctx.config.ANALYSIS_VERSION,
        (n) => n % 10_000 === 0 && say(`row-by-row: ${n}/${options.rowByRowSample} tracks`));
      return { tracks: run.tracks, seconds: run.seconds };
    },
  }];
}

function extraMethods(ctx: BenchContext, shape: SeedShape, part: MeasuredPart): Method[] {
  const cores = availableParallelism();
  return [{
    key: 'in-database-1', label: 'in-database SQL, 1 session',
    run: async () => ({ tracks: shape.tracks, seconds: (await convertInDatabase(ctx.pool, shape, sqlSettings(ctx, 1))).seconds }),
  }, {
    key: 'bare-node', label: `bare Node: ${cores} processes, read + convert + unnest write`,
    run: async (round) => {
      const run = await runBareNode(ctx.databaseUrl, shape, cores, ctx.options.rangeSize, ctx.config.ANALYSIS_VERSION);
      part.processes.push(...run.peakRssMb.map((peakRssMb, i) => ({ method: 'bare-node' as const, round,
        name: `bare-node-${i + 1}`, pid: 0, peakRssMb, polledPeakRssMb: null, cpuSeconds: null, rssSeriesMb: [] })));
      return { tracks: shape.tracks, seconds: run.seconds };
    },
  }, {
    key: 'write-floor', label: 'write floor: same writes, constant values, 1 session',
    run: async () => ({ tracks: shape.tracks, seconds: (await writeFloor(ctx.pool, shape, sqlSettings(ctx, 1))).seconds }),
  }];
}

async function measure(ctx: BenchContext, method: Method, round: number): Promise<MethodRun> {
  const of = ctx.options.repeat > 1 ? ` (round ${round}/${ctx.options.repeat})` : '';
  ctx.say(`measuring: ${method.label}${of}`);
  const before = readMachineCpu();
  const measured = await method.run(round);
  const machineBusy = machineBusyPercent(before, readMachineCpu());
  const { historyRows } = await writtenCounts(ctx.pool);
  const perSecond = measured.seconds > 0 ? Math.round(measured.tracks / measured.seconds) : 0;
  ctx.say(`  ${measured.tracks} tracks in ${measured.seconds.toFixed(2)} s = ${perSecond} tracks/s (${historyRows} history rows)`);
  return { key: method.key, method: method.label, round, tracks: measured.tracks, seconds: measured.seconds,
    written: historyRows, machineBusyPercent: measured.machineBusyPercent ?? machineBusy };
}

async function reseed(ctx: BenchContext): Promise<SeedShape> {
  ctx.say(`seeding ${ctx.options.tracks} legacy tracks`);
  await seedFresh(ctx.pool, ctx.options.tracks);
  return seedShape(ctx.pool);
}
