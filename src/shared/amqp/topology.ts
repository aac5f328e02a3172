import type { Channel } from 'amqplib';
import type { FleetNames } from '../names.js';

export interface TopologyOptions {
  /** Attempts a range gets before it is dead-lettered (retry queues = attempts − 1). */
  maxAttempts: number;
  /** TTL of the first retry queue; each next one waits four times longer. */
  retryBaseMs: number;
}

/** TTL of retry queue `attempt` (1-based), i.e. the wait before attempt `attempt + 1`: `baseMs` times 4 per step. */
export function retryQueueTtlMs(attempt: number, baseMs: number): number {
  return baseMs * 4 ** (attempt - 1);
}

/**
 * Declare the data plane; both producer and consumers call this so either may start first.
 * - work queue: durable quorum queue without `x-delivery-limit`. RabbitMQ 3.10 counts every return toward
 *   that limit — a held message given back on shutdown, pause or channel close — and would dead-letter a
 *   range behind the ledger's back. The ledger counts attempts instead (claimRangeAttempt): only starts count,
 *   so a range that keeps killing its consumer still fails, and giving a message back is free.
 * - legacy work queues (declared with other arguments, under other names) are deleted: nothing reads them any
 *   more, and while bound they would collect a copy of every range. Their messages are not lost: the ledger
 *   still has those ranges open, and the producer's start-up (or `backfill resume-lost`) republishes them.
 * - retry queues: a message waits out the TTL, then dead-letters back to the work exchange.
 * - dead-letter exchange + queue: messages that will never be processed, with a reason header.
 * Arguments are part of a queue's identity: changing BACKFILL_RETRY_BASE_MS needs the retry queues deleted first.
 */
export async function declareTopology(channel: Channel, names: FleetNames, options: TopologyOptions): Promise<void> {
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
  for (let attempt = 1; attempt < options.maxAttempts; attempt++) {
    await channel.assertQueue(names.retryQueue(attempt), {
      durable: true,
      arguments: {
        'x-message-ttl': retryQueueTtlMs(attempt, options.retryBaseMs),
        'x-dead-letter-exchange': names.workExchange,
        'x-dead-letter-routing-key': names.workRoutingKey,
      },
    });
  }
}

/** Remove every queue and exchange of a namespace (tests and `demo` clean up with it). */
export async function deleteTopology(channel: Channel, names: FleetNames, options: TopologyOptions): Promise<void> {
  for (let attempt = 1; attempt < options.maxAttempts; attempt++) await channel.deleteQueue(names.retryQueue(attempt));
  await channel.deleteQueue(names.workQueue);
  for (const legacy of names.legacyWorkQueues) await channel.deleteQueue(legacy);
  await channel.deleteQueue(names.deadQueue);
  await channel.deleteExchange(names.workExchange);
  await channel.deleteExchange(names.deadExchange);
}
