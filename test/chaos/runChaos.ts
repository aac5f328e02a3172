import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { OwnRabbit } from '../helpers/ownRabbit.js';
import { OwnRedis } from '../helpers/ownRedis.js';
import { FleetHarness } from '../fleet/fleetHarness.js';
import { checkEndState, type CheckResult } from './checks.js';
import { seededRandom } from './random.js';

export interface ChaosOptions {
  seed: number;
  tracks: number;
  consumers: number;
  /** Faults of each kind to inject. */
  faultsPerKind: number;
  log: (line: string) => void;
}

type Fault = 'kill-consumer' | 'kill-producer' | 'restart-rabbitmq' | 'close-rabbitmq-connections' | 'flush-redis' | 'restart-redis'
  | 'terminate-postgres-backends' | 'pause-resume';
const FAULTS: Fault[] = ['kill-consumer', 'kill-producer', 'restart-rabbitmq', 'close-rabbitmq-connections', 'flush-redis', 'restart-redis',
  'terminate-postgres-backends', 'pause-resume'];

/**
 * A backfill under chaos on private Redis and RabbitMQ instances (and a database of its own): consumers and
 * the producer SIGKILLed and restarted, the broker restarted and its connections closed, Redis flushed and
 * restarted, PostgreSQL backends terminated, the job paused and resumed — at moments drawn from the seed.
 * Then the end state is checked against the reference.
 */
export async function runChaos(options: ChaosOptions): Promise<CheckResult[]> {
  const random = seededRandom(options.seed);
  const redis = new OwnRedis();
  const rabbit = new OwnRabbit();
  const fleet = new FleetHarness();
  const t0 = Date.now();
  const say = (line: string) => options.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  try {
    await Promise.all([redis.start(), rabbit.start()]);
    fleet.redisUrl = redis.url;
    fleet.extraEnv = { RABBITMQ_URL: rabbit.url, BACKFILL_MAX_ATTEMPTS: '10', BACKFILL_RETRY_BASE_MS: '200', HEARTBEAT_TTL_SECONDS: '3' };
    say(`seed ${options.seed}: seeding ${options.tracks} tracks`);
    await fleet.setUp(options.tracks);
    let producer = fleet.start(['producer']);
    const consumers = Array.from({ length: options.consumers }, () => fleet.start(['consumer']));
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '1000', '--json'], { env: fleet.env() });
    if (enqueued.code !== 0) throw new Error(`enqueue failed: ${enqueued.stderr}`);
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    say(`job ${jobId} enqueued`);

    // The producer dies mid-enumeration at least once.
    await sleep(random() * 300);
    producer.kill('SIGKILL');
    say('fault: kill-producer (mid-enumeration)');
    producer = fleet.start(['producer']);

    const plan = FAULTS.flatMap((f) => Array.from({ length: options.faultsPerKind }, () => f)).sort(() => random() - 0.5);
    for (const fault of plan) {
      if (['completed', 'failed', 'cancelled'].includes(await fleet.jobState(jobId))) break;
      await sleep(300 + random() * 1500);
      say(`fault: ${fault}`);
      switch (fault) {
        case 'kill-consumer': {
          const i = Math.floor(random() * consumers.length);
          consumers[i]?.kill('SIGKILL');
          consumers[i] = fleet.start(['consumer']);
          break;
        }
        case 'kill-producer':
          producer.kill('SIGKILL');
          producer = fleet.start(['producer']);
          break;
        case 'restart-rabbitmq': await rabbit.restart(); break;
        case 'close-rabbitmq-connections': await rabbit.closeAllConnections(); break;
        case 'flush-redis': await redis.flushAll(); break;
        case 'restart-redis': await redis.restart(); break;
        case 'terminate-postgres-backends':
          await fleet.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE 'tracktion-%' AND pid <> pg_backend_pid()`);
          break;
        case 'pause-resume':
          await runCli(['backfill', 'pause', String(jobId)], { env: fleet.env() });
          await sleep(500 + random() * 1000);
          await runCli(['backfill', 'resume', String(jobId)], { env: fleet.env() });
          break;
      }
    }
    say('faults done: waiting for the job to end');
    const state = await fleet.waitForJobEnd(jobId, 600_000);
    say(`job ${jobId} ${state}`);
    // Let consumers ack and the queues settle before looking at them.
    await fleet.waitFor(async () => (await queueCounts(rabbit.url, fleet)).work === 0, 'the work queue to drain', 60_000).catch(() => undefined);
    const status = await runCli(['backfill', 'status', String(jobId), '--json'], { env: fleet.env() });
    const connection = await amqp.connect(rabbit.url);
    try {
      const channel = await connection.createChannel();
      return await checkEndState(fleet.pool, channel, fleet.names, jobId, JSON.parse(status.stdout));
    } finally {
      await connection.close();
    }
  } finally {
    await fleet.tearDown().catch(() => undefined);
    await Promise.all([redis.stop().catch(() => undefined), rabbit.stop().catch(() => undefined)]);
  }
}

async function queueCounts(url: string, fleet: FleetHarness): Promise<{ work: number }> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    return { work: (await channel.checkQueue(fleet.names.workQueue)).messageCount };
  } finally {
    await connection.close();
  }
}

/** Random gaps between faults: when a fault strikes is what the chaos run varies, so these sleeps are the point. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
