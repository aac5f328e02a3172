import type pg from 'pg';
import type { Redis } from 'ioredis';
import { allMigrations, deferrableSteps } from '../../../migrations/index.js';
import { runAlembicOk } from '../../../test/helpers/alembic.js';
import { buildDeferredIndexes } from '../../../src/schema/indexBuild.js';
import { migrate } from '../../../src/schema/migrator.js';
import type { Config } from '../../../src/shared/config.js';
import { createPool } from '../../../src/shared/db/pool.js';
import { fleetNames } from '../../../src/shared/names.js';
import { quietLogger, seedShape } from '../benchDatabase.js';
import { runFleet } from '../fleetRun.js';
import { convertInDatabase, createHelpers } from '../inDatabase.js';
import { postmasterPid, serverCpuSeconds } from './postgresCpu.js';
import type { UpgradeMethod, UpgradeRound } from './report.js';

export interface RoundContext {
  config: Config;
  redis: Redis;
  databaseUrl: string;
  databaseName: string;
  namespace: string;
  consumers: number;
  rangeSize: number;
  sqlChunkIds: number;
  say: (line: string) => void;
}

/** Indexes of the two tables, valid or not: an upgrade is whole only when every one is valid. */
const INDEX_VALIDITY_SQL = `
  SELECT count(*) FILTER (WHERE i.indisvalid)::int AS valid, count(*) FILTER (WHERE NOT i.indisvalid)::int AS invalid
    FROM pg_index i WHERE i.indrelid IN ('tracks'::regclass, 'analysis_history'::regclass)`;

const HISTORY_ROWS_SQL = 'SELECT count(*)::int AS n FROM analysis_history';

/** One round of one method on a fresh copy of the template; the clock runs only around its phases. */
export async function runRound(ctx: RoundContext, method: UpgradeMethod, round: number): Promise<UpgradeRound> {
  const pool = createPool(ctx.databaseUrl, { applicationName: 'tracktion-migrate bench', max: 4 });
  try {
    const postmaster = await postmasterPid(pool).catch(() => undefined);
    const phases = new Phases(postmaster);
    const detail = method === 'reference' ? await reference(ctx, pool, phases) : await fleet(ctx, pool, phases);
    const [{ valid, invalid }] = (await pool.query<{ valid: number; invalid: number }>(INDEX_VALIDITY_SQL)).rows as [{ valid: number; invalid: number }];
    const converted = ((await pool.query<{ n: number }>(HISTORY_ROWS_SQL)).rows[0] as { n: number }).n;
    return { method, round, phases: phases.done, seconds: phases.totalSeconds(), converted,
      serverCpuSeconds: phases.serverCpuSeconds(), indexes: { valid, invalid }, ...detail };
  } finally {
    await pool.end();
  }
}

type RoundDetail = Pick<UpgradeRound, 'backfillBackendCpuSeconds' | 'backfillBackendCpuByApplication' | 'fleetStartSeconds'>;

/**
 * What a database administrator does without this tool: the application's own Alembic revision (columns,
 * history table, every index and check built up front, plain DDL), then the conversion as set-based SQL inside
 * PostgreSQL in 2 sessions (the bench's in-database reference).
 */
async function reference(ctx: RoundContext, pool: pg.Pool, phases: Phases): Promise<RoundDetail> {
  await phases.time('migrate (alembic upgrade head)', () => runAlembicOk(ctx.databaseUrl, ['upgrade', 'head']));
  await createHelpers(pool); // bench-only SQL functions, not the DBA's work: outside the clock
  const shape = await seedShape(pool);
  const run = await phases.time('backfill (in-database SQL, 2 sessions)', () =>
    convertInDatabase(pool, shape, { sessions: 2, chunkIds: ctx.sqlChunkIds, analysisVersion: ctx.config.ANALYSIS_VERSION }));
  return { backfillBackendCpuSeconds: run.backendCpuSeconds };
}

/**
 * The tool: `db migrate --defer-indexes` (no backup, like the administrator's Alembic run), one backfill job
 * on a fleet of a producer and K consumers, then `db build-indexes`. The fleet is started before the job and
 * its start-up is reported, not counted: a fleet is deployed and waiting before an operator enqueues.
 */
async function fleet(ctx: RoundContext, pool: pg.Pool, phases: Phases): Promise<RoundDetail> {
  const logger = quietLogger('bench.upgrade');
  await phases.time('migrate (db migrate --defer-indexes)', () =>
    migrate(ctx.databaseUrl, { revisions: allMigrations, logger, deferIndexes: true }));
  const run = await phases.timeOwn('backfill (fleet job, enqueue to completed)', () =>
    runFleet(ctx.config, pool, ctx.redis, {
      databaseUrl: ctx.databaseUrl, databaseName: ctx.databaseName, namespace: ctx.namespace, names: fleetNames(ctx.namespace),
      consumers: ctx.consumers, rangeSize: ctx.rangeSize, prefetch: undefined, cpuProfDir: undefined, say: ctx.say,
    }), (r) => r.seconds);
  if (run.state !== 'completed') throw new Error(`the fleet's job ended ${run.state}`);
  await phases.time('build indexes (db build-indexes)', () =>
    buildDeferredIndexes(ctx.databaseUrl, { revisions: allMigrations, deferrable: deferrableSteps, logger }));
  return { backfillBackendCpuSeconds: run.resources.databaseCpuSeconds,
    backfillBackendCpuByApplication: run.resources.databaseCpuByApplication, fleetStartSeconds: run.startSeconds };
}

/** The round's timed phases, and the server's CPU from the first phase's start to the last one's end. */
class Phases {
  readonly done: { name: string; seconds: number }[] = [];
  private cpuStart: number | undefined;
  private cpuEnd: number | undefined;

  constructor(private readonly postmaster: number | undefined) {}

  /** Time `work` by the wall clock. */
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.timeOwn(name, work, undefined);
  }

  /** Time `work`; `own` gives its own measure of the seconds (the fleet: enqueue to completed, by the database clock). */
  async timeOwn<T>(name: string, work: () => Promise<T>, own: ((result: T) => number) | undefined): Promise<T> {
    if (this.cpuStart === undefined) this.cpuStart = this.cpu();
    const started = performance.now();
    const result = await work();
    const seconds = own ? own(result) : (performance.now() - started) / 1000;
    this.cpuEnd = this.cpu();
    this.done.push({ name, seconds: Math.round(seconds * 100) / 100 });
    return result;
  }

  totalSeconds(): number {
    return Math.round(this.done.reduce((sum, p) => sum + p.seconds, 0) * 100) / 100;
  }

  serverCpuSeconds(): number | null {
    if (this.cpuStart === undefined || this.cpuEnd === undefined) return null;
    return Math.round((this.cpuEnd - this.cpuStart) * 10) / 10;
  }

  private cpu(): number | undefined {
    return this.postmaster === undefined ? undefined : serverCpuSeconds(this.postmaster);
  }
}
