import { spawn, type ChildProcess } from 'node:child_process';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CLI_PATH } from '../helpers/cli.js';
import { waitFor } from '../helpers/waitFor.js';
import { createTestDatabase, testEnv, uniqueName, TEST_RABBITMQ_URL, TEST_REDIS_URL, type TestDatabase } from '../helpers/isolation.js';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { fleetNames, type FleetNames } from '../../src/shared/names.js';
import { deleteTopology } from '../../src/shared/amqp/topology.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * A fleet under test: its own database, RabbitMQ queue names and Redis key prefix (the namespace),
 * and real producer / consumer processes started from the built CLI.
 */
export class FleetHarness {
  readonly namespace = uniqueName('tmfleet').replace(/_/g, '-');
  readonly names: FleetNames = fleetNames(this.namespace);
  db!: TestDatabase;
  pool!: pg.Pool;
  private readonly processes: ChildProcess[] = [];
  redisUrl = TEST_REDIS_URL;
  extraEnv: Record<string, string> = {};

  async setUp(tracks: number): Promise<void> {
    this.db = await createTestDatabase('tm_fleet');
    await migrateToLatest(this.db.url, allMigrations);
    this.pool = new pg.Pool({ connectionString: this.db.url, max: 3 });
    this.pool.on('error', () => undefined);
    if (tracks > 0) await seedDemoTracks(this.pool, tracks);
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return testEnv({
      DATABASE_URL: this.db.url, TRACKTION_NAMESPACE: this.namespace, REDIS_URL: this.redisUrl,
      BACKFILL_RETRY_BASE_MS: '200', HEARTBEAT_TTL_SECONDS: '3', SHUTDOWN_GRACE_MS: '20000',
      ...this.extraEnv, ...extra,
    });
  }

  /** Start `producer` or `consumer` as a child process; stderr is collected for failure messages. */
  start(args: string[], extra: Record<string, string> = {}): ChildProcess & { output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env: this.env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    this.processes.push(child);
    return Object.assign(child, { output: () => output, exited });
  }

  async tearDown(): Promise<void> {
    for (const child of this.processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.pool?.end().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
    const connection = await amqp.connect(this.extraEnv.RABBITMQ_URL ?? TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      await deleteTopology(channel, this.names);
    } finally {
      await connection.close();
    }
    const redis = new Redis(this.redisUrl);
    try {
      const keys = await redis.keys(`${this.namespace}:*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  }

  async jobState(jobId: number): Promise<string> {
    const { rows } = await this.pool.query<{ state: string }>('SELECT state FROM backfill_jobs WHERE id = $1', [jobId]);
    return rows[0]?.state ?? 'missing';
  }

  async waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(check, { what, timeoutMs });
  }

  async waitForJobEnd(jobId: number, timeoutMs = 120_000): Promise<string> {
    let state = '';
    await this.waitFor(async () => ['completed', 'failed', 'cancelled'].includes((state = await this.jobState(jobId))), `job ${jobId} to end`, timeoutMs);
    return state;
  }
}
