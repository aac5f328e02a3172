import type pg from 'pg';
import type { ChannelModel } from 'amqplib';
import { connectAmqp } from '../shared/amqp/connect.js';
import { RangePublisher } from '../shared/amqp/rangePublisher.js';
import { declareTopology } from '../shared/amqp/topology.js';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { UsageError } from '../shared/errors.js';
import { getJob } from '../shared/ledger/jobs.js';
import { PLANNABLE_JOB_STATES } from '../shared/ledger/states.js';
import type { FleetNames } from '../shared/names.js';
import { resumeLost, type ResumeLostReport } from '../operations/resumeLost.js';
import { retryFailed, type RetryReport } from '../operations/retryFailed.js';

/** What the page's Retry-failed and Resume-lost buttons need: the same operations `backfill retry-failed` / `resume-lost` run. */
export interface RepairDeps {
  pool: pg.Pool;
  coordinator: Coordinator;
  names: FleetNames;
  rabbitmqUrl: string;
  heartbeatTtlSeconds: number;
}

export type RepairAction = 'retry-failed' | 'resume-lost';

/**
 * Run one repair on its own RabbitMQ connection, closed after: a button press is rare, and a connection kept
 * open for it would be one more thing to reconnect. The topology is declared first, as the CLI does, so the
 * republished ranges have their queues even on a broker that restarted empty.
 */
export async function runRepair(deps: RepairDeps, action: RepairAction, jobId: number, actor: string): Promise<RetryReport | ResumeLostReport> {
  if (action === 'resume-lost') await refuseUnlessOpen(deps.pool, jobId);
  let connection: ChannelModel | undefined;
  try {
    connection = await connectAmqp(deps.rabbitmqUrl, 'tracktion-dashboard repair');
    const confirm = await connection.createConfirmChannel();
    // A passive check on a missing queue closes its channel: the connection's error would otherwise be unhandled.
    confirm.on('error', () => undefined);
    await declareTopology(confirm, deps.names);
    const publisher = new RangePublisher(confirm, deps.pool, deps.names);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    if (action === 'retry-failed') {
      return await retryFailed({ pool: deps.pool, coordinator: deps.coordinator, publisher, names: deps.names, channel }, jobId, { rows: false, actor });
    }
    return await resumeLost({ pool: deps.pool, coordinator: deps.coordinator, names: deps.names, publisher, inspect: channel,
      heartbeatTtlSeconds: deps.heartbeatTtlSeconds }, jobId);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Resume-lost republishes open ranges: only a job whose ranges may still be converted has any to look for. */
async function refuseUnlessOpen(pool: pg.Pool, jobId: number): Promise<void> {
  const job = await getJob(pool, jobId);
  if (!job) throw new UsageError(`no backfill job ${jobId}`);
  if (!PLANNABLE_JOB_STATES.includes(job.state)) {
    throw new UsageError(`job ${jobId} is ${job.state}; resume-lost works on a queued, enumerating, running or paused job`);
  }
}

/** One line for the page's notice: what the repair did. */
export function repairSummary(report: RetryReport | ResumeLostReport): string {
  if ('ranges' in report) {
    return `${report.ranges} failed range(s) published again, ${report.deadLettersRemoved} dead-lettered message(s) removed`;
  }
  return report.republished > 0
    ? `${report.republished} of ${report.openRanges} open range(s) had no message anywhere — republished`
    : `nothing lost (${report.openRanges} open range(s), ${report.messagesHeld} in the broker, ${report.inHand} in hand)`;
}
