import type { Channel } from 'amqplib';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Config } from '../config.js';
import { jobIdsInStates } from '../ledger/jobs.js';
import { FINAL_JOB_STATES, JOB_STATES } from '../ledger/states.js';
import type { Logger } from '../logger.js';
import { FinishedJobSweep, jobEndFromLedger } from './finishedJobs.js';
import { JobSeries } from './jobSeries.js';
import { startOpsServer } from './opsServer.js';
import { rangeObserver, type RangeObserver } from './rangeObserver.js';
import { connectionsReady } from './readiness.js';
import { ConsumerMetrics, createRegistry } from './registry.js';

/** The connections of a fleet process, for readiness and (producer) fleet sampling. */
export interface ProcessConnections {
  pool: pg.Pool;
  redis: Redis;
  amqp: { isUp(): boolean; createChannel(): Promise<Channel> };
}

/** Jobs a consumer may get ranges of: every state but the final ones. */
const UNFINISHED_JOB_STATES = JOB_STATES.filter((s) => !FINAL_JOB_STATES.includes(s));

/**
 * A consumer's metrics: the observer its RangeConsumer reports to, and the server that exports them. The
 * unfinished jobs' counters exist at 0 before the first scrape (a consumer started mid-job, e.g. scaled up,
 * counts its first retry as an increase); finished jobs' series go after METRICS_FINISHED_JOB_TTL.
 */
export async function serveConsumerMetrics(config: Config, logger: Logger, connections: ProcessConnections): Promise<{ observer: RangeObserver; close(): Promise<void> }> {
  const registry = createRegistry('consumer');
  const metrics = new ConsumerMetrics(registry);
  const jobs = new JobSeries(metrics);
  const observer = rangeObserver(metrics, jobs);
  try {
    for (const jobId of await jobIdsInStates(connections.pool, UNFINISHED_JOB_STATES)) jobs.know(jobId);
  } catch (err) {
    // Best effort: without it a job's series are made at its first event instead.
    logger.warn({ err }, 'could not list the unfinished jobs to export their counters at 0');
  }
  const sweep = new FinishedJobSweep(jobs, jobEndFromLedger(connections.pool), config.METRICS_FINISHED_JOB_TTL, logger);
  sweep.start();
  const server = await startOpsServer({ port: config.METRICS_PORT, host: config.METRICS_HOST, registry,
    ready: connectionsReady(connections), logger, role: 'consumer' });
  return {
    observer,
    close: async () => {
      await server?.close();
      await sweep.stop();
    },
  };
}
