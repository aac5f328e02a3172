import type { Channel } from 'amqplib';
import type { FleetNames } from '../names.js';

/** How many range messages wait where: what `status`, the dashboard and the producer's gauges show. */
export interface QueueDepth {
  /** Messages in the work queue waiting for a consumer. */
  ready: number;
  /** Ranges the live consumers report in hand: AMQP's queue.declare does not report unacked messages. */
  unacked: number;
  /** Messages waiting out a retry queue's TTL, over every retry queue. */
  retrying: number;
  deadLetter: number;
  /** Consumers the broker sees on the work queue. */
  brokerConsumers: number;
}

/**
 * Read the depth of the data plane with passive declares. A checkQueue of a missing queue closes its channel:
 * pass a channel used for nothing else (see QueueInspector). `inHand` is the count the live consumers report.
 */
export async function readQueueDepth(
  channel: Pick<Channel, 'checkQueue'>, names: FleetNames, maxAttempts: number, inHand: number,
): Promise<QueueDepth> {
  const work = await channel.checkQueue(names.workQueue);
  const dead = await channel.checkQueue(names.deadQueue);
  let retrying = 0;
  for (let attempt = 1; attempt < maxAttempts; attempt++) retrying += (await channel.checkQueue(names.retryQueue(attempt))).messageCount;
  return { ready: work.messageCount, unacked: inHand, retrying, deadLetter: dead.messageCount, brokerConsumers: work.consumerCount };
}
