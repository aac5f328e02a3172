import { UnrecoverableError, Worker } from 'bullmq';
import { AmqpSession } from '../shared/amqp/session.js';
import { declareTopology } from '../shared/amqp/topology.js';
import { sweepLegacyRetryQueues } from '../shared/amqp/legacyRetryQueues.js';
import type { Config } from '../shared/config.js';
import { Coordinator } from '../shared/coordinator/coordinator.js';
import { checkConnection, createPool } from '../shared/db/pool.js';
import { Closer, runUntilStopped } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import { fleetNames } from '../shared/names.js';
import { connectRedis } from '../shared/redis.js';
import { RangePublisher } from '../shared/amqp/rangePublisher.js';
import { addRequest, backfillRequestSchema, openRequestQueue, type BackfillRequest } from './requestQueue.js';
import { runBackfillRequest } from './runRequest.js';
import { jobIdsInStates } from '../shared/ledger/jobs.js';
import { LatencyGuard } from '../operations/latencyGuard.js';
import { FleetKeeper } from './fleetKeeper.js';
import { failJobIfPermanent, logRequestFailure } from './requestOutcome.js';
import { resumeLost, type ResumeLostDeps } from '../operations/resumeLost.js';
import type { Logger as PinoLogger } from '../shared/logger.js';
import { serveProducerMetrics } from './producerMetrics.js';

/** Backfill requests one producer carries out at once (each holds a planner session while it plans). */
const REQUEST_CONCURRENCY = 4;

/** Wire the producer together: a BullMQ worker taking backfill requests, publishing ranges to RabbitMQ. */
export async function runProducer(config: Config, logger: Logger): Promise<void> {
  const names = fleetNames(config.TRACKTION_NAMESPACE);
  const closer = new Closer(logger);
  try {
    const pool = createPool(config.DATABASE_URL, { applicationName: 'tracktion-producer', max: 4 });
    closer.add('PostgreSQL pool', () => pool.end());
    // One session per job being planned, held for the whole planning (it holds the job's planning lock):
    // apart from `pool`, so planners cannot starve the publisher and the keeper of connections.
    const planners = createPool(config.DATABASE_URL, { applicationName: 'tracktion-producer-planner', max: REQUEST_CONCURRENCY });
    closer.add('PostgreSQL planner sessions', () => planners.end());
    await checkConnection(pool, config.DATABASE_URL);
    const redis = await connectRedis(config.REDIS_URL, { connectionName: 'tracktion-producer', persistent: true });
    closer.add('Redis', () => redis.quit());
    const bullRedis = await connectRedis(config.REDIS_URL, { connectionName: 'tracktion-producer-bullmq', persistent: true, forBullmq: true });
    closer.add('Redis (BullMQ)', () => bullRedis.quit());
    const session = new AmqpSession({
      url: config.RABBITMQ_URL, connectionName: 'tracktion-producer', logger,
      setup: (channel) => declareTopology(channel, names),
      housekeeping: (openChannel) => sweepLegacyRetryQueues(openChannel, names),
    });
    const channel = await session.start();
    closer.add('RabbitMQ session', () => session.close());

    const publisher = new RangePublisher(() => session.channel(), pool, names);
    const queue = openRequestQueue(bullRedis, names);
    closer.add('request queue', () => queue.close());
    const coordinator = new Coordinator(redis, names.redisPrefix);
    const keeper = new FleetKeeper({ pool, coordinator, logger, readdRequest: (job) => addRequest(queue, job),
      heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS,
      throttleLimits: { maxReplicationLagSeconds: config.THROTTLE_MAX_REPLICATION_LAG_SECONDS, maxDurationRatio: 3, minRate: config.THROTTLE_MIN_RATE },
      latencyGuard: new LatencyGuard(config.BACKFILL_APP_LATENCY_TARGET) });
    await keeper.recoverRequests();
    await resumeLostOnStart({ pool, coordinator, names, publisher, inspect: channel, heartbeatTtlSeconds: config.HEARTBEAT_TTL_SECONDS }, logger);

    const worker = new Worker<BackfillRequest>(names.requestQueue, async (job) => {
      const parsed = backfillRequestSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`malformed backfill request: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      const request = parsed.data;
      logger.info({ jobId: request.jobId, request: job.id }, 'taking backfill request');
      await runBackfillRequest({
        db: pool, planners, publisher, logger, onProgress: (n) => job.updateProgress({ rangesPlanned: n }),
        sizing: { targetMs: config.BACKFILL_TARGET_RANGE_MS, min: config.BACKFILL_MIN_RANGE_SIZE, max: config.BACKFILL_MAX_RANGE_SIZE },
        planningWindow: config.BACKFILL_PLANNING_WINDOW,
      }, request.jobId, request.token).catch((err: unknown) => failJobIfPermanent(pool, request.jobId, err));
      // Planning is paced by the consumers, so a request lasts as long as its job: take several at once.
    }, { connection: bullRedis, prefix: names.bullPrefix, concurrency: REQUEST_CONCURRENCY, lockDuration: 30_000 });
    worker.on('error', (err) => logger.error({ err }, 'request worker error'));
    worker.on('failed', (job, err) => logRequestFailure(logger, job, err));
    closer.add('request worker', () => worker.close());
    keeper.start();
    closer.add('fleet keeper', () => keeper.stop());
    const metrics = await serveProducerMetrics(config, logger, { pool, redis, amqp: session });
    closer.add('metrics', () => metrics.close());

    logger.info({ queue: names.requestQueue }, 'producer started: waiting for backfill requests');
    // A broker refusal (exit 76) stops the producer like SIGTERM: the closer below closes everything it opened.
    await runUntilStopped(async () => undefined, logger, session.refused());
  } finally {
    await closer.close();
  }
}

/**
 * On start, for every running job: when RabbitMQ lost its messages while no producer was up, republish
 * the open ranges (a no-op when the queues still hold them).
 */
async function resumeLostOnStart(deps: ResumeLostDeps, logger: PinoLogger): Promise<void> {
  for (const id of await jobIdsInStates(deps.pool, ['running'])) {
    const report = await resumeLost(deps, id);
    if (report.republished > 0) logger.warn(report, 'ranges were missing from RabbitMQ: republished them from the ledger');
  }
}
