import type { Channel } from 'amqplib';
import type { FleetNames } from '../names.js';

export interface TopologyOptions {
  /** Attempts a range gets before it is dead-lettered (retry queues = attempts − 1). */
  maxAttempts: number;
  /** TTL of the first retry queue; each next one waits four times longer. */
  retryBaseMs: number;
}

/** Wait before attempt `attempt + 1`, i.e. the TTL of retry queue `attempt` (1-based). */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return baseMs * 4 ** (attempt - 1);
}

/**
 * Declare the data plane; both producer and consumers call this so either may start first.
 * - work queue: durable quorum queue. `x-delivery-limit` dead-letters a message that keeps killing its
 *   consumer (RabbitMQ 3.10 sets no limit by default); a normal failure never reaches it because the
 *   consumer routes retries itself.
 * - retry queues: a message waits out the TTL, then dead-letters back to the work exchange.
 * - dead-letter exchange + queue: messages that will never be processed, with a reason header.
 * Arguments are part of a queue's identity: changing BACKFILL_MAX_ATTEMPTS needs the queues deleted first.
 */
export async function declareTopology(channel: Channel, names: FleetNames, options: TopologyOptions): Promise<void> {
  await channel.assertExchange(names.workExchange, 'direct', { durable: true });
  await channel.assertExchange(names.deadExchange, 'fanout', { durable: true });
  await channel.assertQueue(names.deadQueue, { durable: true });
  await channel.bindQueue(names.deadQueue, names.deadExchange, '');
  await channel.assertQueue(names.workQueue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': options.maxAttempts * 2,
      'x-dead-letter-exchange': names.deadExchange,
    },
  });
  await channel.bindQueue(names.workQueue, names.workExchange, names.workRoutingKey);
  for (let attempt = 1; attempt < options.maxAttempts; attempt++) {
    await channel.assertQueue(names.retryQueue(attempt), {
      durable: true,
      arguments: {
        'x-message-ttl': retryDelayMs(attempt, options.retryBaseMs),
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
  await channel.deleteQueue(names.deadQueue);
  await channel.deleteExchange(names.workExchange);
  await channel.deleteExchange(names.deadExchange);
}
