import { closeSync, openSync } from 'node:fs';
import type { Config } from '../shared/config.js';
import { ensureDatabaseExists, migrateToLatest } from '../schema/migrator.js';
import type { MigrationClass } from '../schema/revisions.js';
import { checkConnection, createPool, urlForDatabase } from '../shared/db/pool.js';
import { errorSummary } from '../shared/ledger/errors.js';
import { TracktionError, UsageError } from '../shared/errors.js';
import { createJob, getJob } from '../shared/ledger/jobs.js';
import { isFinalJobState } from '../shared/ledger/states.js';
import { connectRedis } from '../shared/redis.js';
import { Coordinator } from '../shared/coordinator/coordinator.js';
import { fleetNames } from '../shared/names.js';
import { addRequest, openRequestQueue } from '../producer/requestQueue.js';
import { collectJobStatus, type JobStatus } from '../operations/status/jobStatus.js';
import { Closer } from '../shared/lifecycle.js';
import { deleteNamespace } from '../shared/namespaceCleanup.js';
import { FleetProcesses } from './fleetProcesses.js';
import { seedDemoTracks } from './seedDemo.js';

export interface DemoOptions {
  tracks: number;
  consumers: number;
  databaseName: string;
  namespace: string;
  rangeSize: number;
  /** The schema revisions to apply to the demo database (the CLI passes `migrations/index.ts`'s list). */
  revisions: readonly MigrationClass[];
  /** Messages go here (stderr). */
  say: (line: string) => void;
  /** The line that redraws itself (seeding, then the job's progress bar); `say` ends it before printing. */
  live: { update(line: string): void; finish(line: string): void };
  /** The producer's and consumers' logs go to this file, so the terminal shows the demo's own lines only. */
  fleetLogFile: string;
}

export interface DemoResult {
  status: JobStatus;
  elapsedSeconds: number;
  tracksPerSecond: number;
  errorsByCode: { code: string; count: number; sampleTrackId: number; sampleMessage: string }[];
  exitCodes: Record<string, number | null>;
  databaseUrl: string;
  namespace: string;
  fleetLogFile: string;
}

/**
 * The product's main job, end to end on this machine: a fresh demo database, migrated and seeded;
 * a producer and N consumers as child processes; one backfill job followed live to the end.
 */
export async function runDemo(config: Config, options: DemoOptions): Promise<DemoResult> {
  const databaseUrl = urlForDatabase(config.DATABASE_URL, options.databaseName);
  const names = fleetNames(options.namespace);
  const closer = new Closer();
  const logFd = openSync(options.fleetLogFile, 'w', 0o600);
  closer.add('fleet log file', () => closeSync(logFd));
  const fleet = new FleetProcesses({
    DATABASE_URL: databaseUrl, TRACKTION_NAMESPACE: options.namespace, TRACKTION_ENV_FILE: '',
    LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    // A file, not a person: JSON lines whatever the parent's terminal is.
    LOG_FORMAT: 'json',
  }, logFd);
  try {
    await resetDemoDatabase(config.DATABASE_URL, databaseUrl, options);
    const pool = createPool(databaseUrl, { applicationName: 'tracktion-migrate demo', max: 3 });
    closer.add('pool', () => pool.end());
    await checkConnection(pool, databaseUrl);
    options.say(`seeding ${options.tracks} legacy tracks`);
    await seedDemoTracks(pool, options.tracks, (n) => options.live.update(`seeded ${n}/${options.tracks} tracks`));
    options.live.finish(`seeded ${options.tracks} legacy tracks`);

    const redis = await connectRedis(config.REDIS_URL, { connectionName: 'tracktion-demo', persistent: false });
    closer.add('redis', () => redis.quit());
    // Queues and keys of an earlier demo run would mix into this one.
    await deleteNamespace(config, redis, names, options.namespace);

    fleet.start('producer', ['producer']);
    for (let i = 1; i <= options.consumers; i++) fleet.start(`consumer-${i}`, ['consumer']);
    options.say(`started a producer and ${options.consumers} consumers`);

    const started = Date.now();
    const job = await createJob(pool, { analysisVersion: config.ANALYSIS_VERSION, rangeSize: options.rangeSize, requestedBy: 'demo' });
    const queue = openRequestQueue(redis, names);
    await addRequest(queue, job);
    await queue.close();
    options.say(`enqueued backfill job ${job.id}`);

    const deps = { pool, coordinator: new Coordinator(redis, names.redisPrefix), names, queues: null,
      heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS };
    let status: JobStatus;
    for (;;) {
      const current = await getJob(pool, job.id);
      if (!current) throw new TracktionError('job_vanished', `job ${job.id} vanished from the ledger`);
      status = await collectJobStatus(deps, current);
      if (isFinalJobState(current.state)) break;
      options.live.update(progress(status));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    options.live.finish(progress(status));
    const exitCodes = await fleet.stop();
    const processed = status.tracks.converted + status.tracks.failed + status.tracks.skipped;
    return {
      status, elapsedSeconds, tracksPerSecond: Math.round(processed / elapsedSeconds),
      errorsByCode: await errorSummary(pool, job.id), exitCodes, databaseUrl,
      namespace: options.namespace, fleetLogFile: options.fleetLogFile,
    };
  } finally {
    await fleet.stop();
    await closer.close();
  }
}

function progress(s: JobStatus): string {
  const finished = s.ranges.done + s.ranges.failed;
  const pct = s.ranges.total ? (finished / s.ranges.total) * 100 : 0;
  const width = 30;
  const filled = Math.round((pct / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct.toFixed(0).padStart(3)}%  ` +
    `${s.tracks.converted} converted, ${s.tracks.failed} failed, ${s.tracks.skipped} skipped  ${s.ratePerSecond} tracks/s  ${s.consumers.live} consumers`;
}

async function resetDemoDatabase(adminSource: string, databaseUrl: string, options: DemoOptions): Promise<void> {
  const admin = createPool(urlForDatabase(adminSource, 'postgres'), { applicationName: 'tracktion-migrate demo', max: 1 });
  try {
    await checkConnection(admin, adminSource);
    // The demo database is ours alone: start from scratch so every run shows the same thing.
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(options.databaseName)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await ensureDatabaseExists(databaseUrl);
  options.say(`migrating database ${options.databaseName}`);
  await migrateToLatest(databaseUrl, options.revisions);
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new UsageError(`not a plain database name: ${name}`);
  return `"${name}"`;
}
