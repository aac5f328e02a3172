import type { Channel, GetMessage } from 'amqplib';
import type pg from 'pg';
import type { RangePublisher } from '../shared/amqp/rangePublisher.js';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { UsageError } from '../shared/errors.js';
import { getJob, transitionJob } from '../shared/ledger/jobs.js';
import { reopenRanges, type PlannedRange } from '../shared/ledger/ranges.js';
import { actionAllowed } from '../shared/ledger/states.js';
import type { FleetNames } from '../shared/names.js';
import { parseRangeMessage } from '../shared/rangeMessage.js';

export interface RetryDeps {
  pool: pg.Pool;
  coordinator: Coordinator;
  publisher: RangePublisher;
  names: FleetNames;
  channel: Channel;
}

export interface RetryReport {
  jobId: number;
  ranges: number;
  rowErrorsCleared: number;
  deadLettersRemoved: number;
}

/**
 * `backfill retry-failed`: publish the job's failed ranges again with fresh attempts; with `rows`, also the
 * ranges whose rows were row errors (after the legacy data was fixed). A converted track is never converted
 * twice: its history row makes the second try skip it.
 */
export async function retryFailed(deps: RetryDeps, jobId: number, options: { rows: boolean; actor: string }): Promise<RetryReport> {
  const job = await getJob(deps.pool, jobId);
  if (!job) throw new UsageError(`no backfill job ${jobId}`);
  if (!actionAllowed('retry', job.state)) {
    throw new UsageError(`job ${jobId} is ${job.state}; retry-failed works on a running, failed or completed job`);
  }
  const client = await deps.pool.connect();
  let reopened: { cleared: number; ranges: PlannedRange[] };
  try {
    await client.query('BEGIN');
    reopened = await reopenRanges(client, jobId, options.rows);
    if (reopened.ranges.length > 0 && job.state !== 'running') {
      await transitionJob(client, jobId, [job.state], 'running', options.actor, `retry-failed${options.rows ? ' --rows' : ''}: ${reopened.ranges.length} range(s)`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  // Counters of re-run ranges change: start them over from the ledger (rebuilt by status / the producer).
  await deps.coordinator.resetCounters(jobId);
  // Publish (confirmed) before removing any dead letter: a dead letter is never removed before its copy exists.
  await deps.publisher.publish(jobId, reopened.ranges, 1);
  const deadLettersRemoved = await removeDeadLetters(deps, jobId, reopened.ranges);
  return { jobId, ranges: reopened.ranges.length, rowErrorsCleared: reopened.cleared, deadLettersRemoved };
}

/**
 * Take out of the dead-letter queue the messages of exactly the ranges just republished (same job, range and
 * bounds); every other message — another job's, or a range of this job that was not reopened, whose dead letter
 * may be its only copy — goes back. Messages stay unacked on the channel while the queue is read (so each is
 * read once) and are given back with one nack; the queue is read only as deep as it was at the start.
 */
async function removeDeadLetters(deps: RetryDeps, jobId: number, republished: PlannedRange[]): Promise<number> {
  if (republished.length === 0) return 0;
  const wanted = new Set(republished.map((r) => `${r.rangeId}:${r.startId}:${r.endId}`));
  const { messageCount } = await deps.channel.checkQueue(deps.names.deadQueue);
  let removed = 0;
  let kept: GetMessage | undefined;
  try {
    for (let read = 0; read < messageCount; read++) {
      const message = await deps.channel.get(deps.names.deadQueue, { noAck: false });
      if (!message) break;
      const parsed = parseRangeMessage(message.content);
      const key = parsed.ok && parsed.message.jobId === jobId ? `${parsed.message.rangeId}:${parsed.message.startId}:${parsed.message.endId}` : undefined;
      if (key !== undefined && wanted.has(key)) {
        deps.channel.ack(message);
        removed++;
      } else {
        kept = message;
      }
    }
  } finally {
    // allUpTo nacks only what is still unacked on this channel: the kept messages, not the removed ones.
    if (kept) try { deps.channel.nack(kept, true, true); } catch { /* channel closed: the broker requeued them */ }
  }
  return removed;
}
