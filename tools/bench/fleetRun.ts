import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { addRequest, openRequestQueue } from '../../src/producer/requestQueue.js';
import type { Config } from '../../src/shared/config.js';
import { Coordinator } from '../../src/shared/coordinator/coordinator.js';
import { createJob, getJob, type JobRow } from '../../src/shared/ledger/jobs.js';
import { isFinalJobState } from '../../src/shared/ledger/states.js';
import type { FleetNames } from '../../src/shared/names.js';
import { BenchFleet } from './benchFleet.js';
import { fleetMetrics, type FleetMetrics } from './fleetMetrics.js';
import { scrapePhases, type FleetPhases } from './fleetPhases.js';
import { ResourceSampler, type ResourceUsage } from './resourceSampler.js';

export interface FleetSettings {
  databaseUrl: string;
  databaseName: string;
  namespace: string;
  names: FleetNames;
  consumers: number;
  rangeSize: number;
  prefetch: number | undefined;
  cpuProfDir: string | undefined;
  say: (line: string) => void;
  /** More environment for the children (bench:live: the latency guard's target). */
  env?: Record<string, string>;
  /** Awaited once the fleet is ready, before the job is enqueued (bench:live: the guard's quiet baseline). */
  beforeEnqueue?: () => Promise<void>;
  /** Awaited once the job is in the ledger, before its request is added (bench:live: an operator cap). */
  afterCreate?: (jobId: number) => Promise<void>;
  /** How long the job may take before the bench gives up (default JOB_TIMEOUT_MS; bench:e2e scales it with the tracks). */
  jobTimeoutMs?: number;
}

export interface FleetRun {
  jobId: number;
  state: string;
  /** Enqueue (the job's created_at) to completed (its finished_at), both by the database clock. */
  seconds: number;
  metrics: FleetMetrics;
  /** From the consumers' own /metrics: where their range time went. */
  phases: FleetPhases;
  resources: ResourceUsage;
  exitCodes: Record<string, number | null>;
  /** Spawning the processes until every one is ready (not in `seconds`). */
  startSeconds: number;
}

const PRELOAD = fileURLToPath(new URL('./cpuProfilePreload.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
export const JOB_TIMEOUT_MS = 3_600_000;

/**
 * The product's fleet as an operator runs it: a producer and K consumers as child processes, all started
 * and ready (consumer heartbeats in Redis, the producer's BullMQ worker connected) BEFORE the clock starts,
 * then one job enqueued and followed to its end. Memory and CPU are read while the processes still live.
 */
export async function runFleet(config: Config, pool: pg.Pool, redis: Redis, settings: FleetSettings): Promise<FleetRun> {
  const spawned = performance.now();
  const fleet = await BenchFleet.start(childEnv(config, settings), settings.consumers);
  // Interrupted, the bench exits without reaching `finally`: children must not outlive it.
  const terminateChildren = () => signalAll(fleet.pids(), 'SIGTERM');
  process.once('exit', terminateChildren);
  const queue = openRequestQueue(redis, settings.names);
  try {
    await waitUntilReady(new Coordinator(redis, settings.names.redisPrefix), queue, settings.consumers, config.HEARTBEAT_TTL_SECONDS);
    const startSeconds = Math.round((performance.now() - spawned) / 10) / 100;
    settings.say(`fleet ready: a producer and ${settings.consumers} consumers (${startSeconds} s)`);
    const sampler = new ResourceSampler(pool, settings.databaseName, () => fleet.pids());
    await sampler.start();
    if (settings.cpuProfDir) signalAll(fleet.pids(), 'SIGUSR2');
    await settings.beforeEnqueue?.();
    const job = await createJob(pool, { analysisVersion: config.ANALYSIS_VERSION, rangeSize: settings.rangeSize, requestedBy: 'bench' });
    await settings.afterCreate?.(job.id);
    await addRequest(queue, job);
    const finished = await followJob(pool, job.id, settings.say, settings.jobTimeoutMs ?? JOB_TIMEOUT_MS);
    const resources = await sampler.stop();
    const phases = await scrapePhases(fleet.consumerMetricsPorts);
    const exitCodes = await fleet.stop();
    const seconds = ((finished.finishedAt?.getTime() ?? Date.now()) - job.createdAt.getTime()) / 1000;
    return { jobId: job.id, state: finished.state, seconds, metrics: await fleetMetrics(pool, job.id, settings.consumers), phases, resources, exitCodes, startSeconds };
  } finally {
    process.removeListener('exit', terminateChildren);
    await queue.close();
    await fleet.stop();
  }
}

function childEnv(config: Config, settings: FleetSettings): Record<string, string> {
  return {
    DATABASE_URL: settings.databaseUrl, TRACKTION_NAMESPACE: settings.namespace,
    // Children must not read a .env of their own: everything they need comes from this process's config.
    TRACKTION_ENV_FILE: '', RABBITMQ_URL: config.RABBITMQ_URL, REDIS_URL: config.REDIS_URL,
    ANALYSIS_VERSION: config.ANALYSIS_VERSION, LOG_LEVEL: 'warn',
    ...(settings.prefetch ? { CONSUMER_PREFETCH: String(settings.prefetch) } : {}),
    ...(settings.cpuProfDir ? { BENCH_CPU_PROF_DIR: settings.cpuProfDir, NODE_OPTIONS: `--import=${PRELOAD}` } : {}),
    ...settings.env,
  };
}

/** SIGUSR2 starts cpuProfilePreload.ts's profiler (the profile covers the job, not start-up); SIGTERM drains. */
function signalAll(pids: Record<string, number | undefined>, signal: NodeJS.Signals): void {
  for (const pid of Object.values(pids)) {
    try {
      if (pid !== undefined) process.kill(pid, signal);
    } catch {
      // Already exited.
    }
  }
}

async function waitUntilReady(coordinator: Coordinator, queue: ReturnType<typeof openRequestQueue>,
  consumers: number, ttlSeconds: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const live = (await coordinator.consumers(ttlSeconds)).filter((c) => c.alive).length;
    const producers = await queue.getWorkersCount();
    if (live >= consumers && producers >= 1) return;
    await sleep(200);
  }
  throw new Error(`the fleet did not get ready within ${READY_TIMEOUT_MS / 1000} s (see the children's messages above)`);
}

async function followJob(pool: pg.Pool, jobId: number, say: (line: string) => void, timeoutMs: number): Promise<JobRow> {
  const deadline = Date.now() + timeoutMs;
  let lastSaid = 0;
  while (Date.now() < deadline) {
    const job = await getJob(pool, jobId);
    if (!job) throw new Error(`job ${jobId} vanished from the ledger`);
    if (isFinalJobState(job.state)) return job;
    if (Date.now() - lastSaid > 5000) {
      lastSaid = Date.now();
      say(`fleet: job ${jobId} ${job.state}`);
    }
    await sleep(100);
  }
  throw new Error(`job ${jobId} did not finish within ${timeoutMs / 1000} s`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
