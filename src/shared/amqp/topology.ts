import type { Channel } from 'amqplib';
import type { FleetNames } from '../names.js';
import { asBrokerRefusal } from './brokerRefusal.js';

/** The longest per-message TTL RabbitMQ is given (about 24.8 days): 4^attempt overflows any sane wait soon. */
const MAX_RETRY_TTL_MS = 2 ** 31 - 1;

/** TTL of a message in retry queue `attempt` (1-based), i.e. the wait before attempt `attempt + 1`: `baseMs` times 4 per step. */
export function retryQueueTtlMs(attempt: number, baseMs: number): number {
  return Math.min(MAX_RETRY_TTL_MS, baseMs * 4 ** (attempt - 1));
}

/**
 * Declare the data plane; both producer and consumers call this so either may start first. Arguments are
 * part of a queue's identity: a declaration with other arguments is refused (406) and, since reconnecting
 * cannot change that, ends the process (BrokerRefusedError). So no argument here depends on a setting.
 * - work queue: durable quorum queue without `x-delivery-limit`. RabbitMQ 3.10 counts every return toward
 *   that limit — a held message given back on shutdown, pause or channel close — and would dead-letter a
 *   range behind the ledger's back. The ledger counts attempts instead (claimRangeAttempt): only starts count,
 *   so a range that keeps killing its consumer still fails, and giving a message back is free.
 * - legacy work queues (declared with other arguments, under other names) are deleted: nothing reads them any
 *   more, and while bound they would collect a copy of every range. Their messages are not lost: the ledger
 *   still has those ranges open, and the producer's start-up (or `backfill resume-lost`) republishes them.
 * - retry queues: every slot, whatever BACKFILL_MAX_ATTEMPTS is, so a replica with fewer attempts still has the
 *   queues one with more attempts fills. The wait is each message's `expiration` (publishToRetry), not an
 *   `x-message-ttl` argument, so BACKFILL_RETRY_BASE_MS can differ between replicas and change on a running
 *   fleet. RabbitMQ expires per-message TTLs only at the head of a queue: all messages of one retry queue
 *   normally share one TTL, so arrival order is expiry order; while the setting changes a message may wait
 *   behind a longer one ahead of it — at most that one's TTL, and harmless.
 *   Retry queues of earlier versions are drained and deleted by sweepLegacyRetryQueues.
 * - dead-letter exchange + queue: messages that will never be processed, with a reason header.
 */
export async function declareTopology(channel: Channel, names: FleetNames): Promise<void> {
  try {
    await channel.assertExchange(names.workExchange, 'direct', { durable: true });
    await channel.assertExchange(names.deadExchange, 'fanout', { durable: true });
    await channel.assertQueue(names.deadQueue, { durable: true });
    await channel.bindQueue(names.deadQueue, names.deadExchange, '');
    // Deleting a queue that does not exist is no error in RabbitMQ.
    for (const legacy of names.legacyWorkQueues) await channel.deleteQueue(legacy);
    await channel.assertQueue(names.workQueue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': names.deadExchange },
    });
    await channel.bindQueue(names.workQueue, names.workExchange, names.workRoutingKey);
    for (const queue of names.retryQueues) {
      await channel.assertQueue(queue, {
        durable: true,
        arguments: { 'x-dead-letter-exchange': names.workExchange, 'x-dead-letter-routing-key': names.workRoutingKey },
      });
    }
  } catch (err) {
    throw asBrokerRefusal(err);
  }
}

/** Remove every queue and exchange of a namespace, those of earlier versions too (tests and `demo` clean up with it). */
export async function deleteTopology(channel: Channel, names: FleetNames): Promise<void> {
  for (const queue of [...names.retryQueues, ...names.legacyRetryQueues]) await channel.deleteQueue(queue);
  await channel.deleteQueue(names.workQueue);
  for (const legacy of names.legacyWorkQueues) await channel.deleteQueue(legacy);
  await channel.deleteQueue(names.deadQueue);
  await channel.deleteExchange(names.workExchange);
  await channel.deleteExchange(names.deadExchange);
}
