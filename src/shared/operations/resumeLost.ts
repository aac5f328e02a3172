import type { Channel } from 'amqplib';
import type pg from 'pg';
import { RangePublisher } from '../../producer/rangePublisher.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import { syncCountersFromLedger } from '../coordinator/syncFromLedger.js';
import { rangesInStates } from '../ledger/ranges.js';
import type { FleetNames } from '../names.js';

export interface ResumeLostDeps {
  pool: pg.Pool;
  coordinator: Coordinator;
  names: FleetNames;
  /** A confirm channel: republished ranges count as published only once the broker confirmed them. */
  publisher: RangePublisher;
  /** Any channel, for queue depths. */
  inspect: Channel;
  maxAttempts: number;
  heartbeatTtlSeconds: number;
}

export interface ResumeLostReport {
  jobId: number;
  openRanges: number;
  /** Messages the broker and the consumers hold (work + retry queues + in hand). */
  messagesHeld: number;
  republished: number;
  countersRebuilt: number;
}

const PAGE = 500;

/**
 * After RabbitMQ lost messages (restarted without them, queue purged) or Redis lost keys: republish every
 * range the ledger says is not done, and bring the counters back to the ledger's numbers.
 * When the broker and the consumers still hold at least as many messages as there are open ranges (give or
 * take one per live consumer: a delivery can be in hand a moment before its heartbeat says so), nothing
 * was lost and nothing is republished — running it then changes nothing. A republished range that was not
 * lost after all is a duplicate the consumers' ledger check makes harmless.
 */
export async function resumeLost(deps: ResumeLostDeps, jobId: number): Promise<ResumeLostReport> {
  const open = await countOpenRanges(deps.pool, jobId);
  const held = await messagesHeld(deps);
  let republished = 0;
  const liveConsumers = (await deps.coordinator.consumers(deps.heartbeatTtlSeconds)).filter((c) => c.alive).length;
  // One message per live consumer of slack: a delivery can be in hand a moment before its heartbeat says so.
  if (open > held + liveConsumers) {
    let after = 0;
    for (;;) {
      const page = await rangesInStates(deps.pool, jobId, ['pending', 'published'], after, PAGE);
      if (page.length === 0) break;
      await deps.publisher.publish(jobId, page, 1);
      republished += page.length;
      after = (page[page.length - 1] as { rangeId: number }).rangeId;
    }
  }
  const countersRebuilt = await syncCountersFromLedger(deps.pool, deps.coordinator, jobId);
  return { jobId, openRanges: open, messagesHeld: held, republished, countersRebuilt };
}

async function countOpenRanges(pool: pg.Pool, jobId: number): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state IN ('pending', 'published')`, [jobId]);
  return rows[0]?.n ?? 0;
}

async function messagesHeld(deps: ResumeLostDeps): Promise<number> {
  let held = (await deps.inspect.checkQueue(deps.names.workQueue)).messageCount;
  for (let attempt = 1; attempt < deps.maxAttempts; attempt++) held += (await deps.inspect.checkQueue(deps.names.retryQueue(attempt))).messageCount;
  const consumers = await deps.coordinator.consumers(deps.heartbeatTtlSeconds);
  return held + consumers.filter((c) => c.alive).reduce((n, c) => n + c.currentRanges.length, 0);
}
