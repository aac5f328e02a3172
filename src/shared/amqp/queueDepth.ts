import type { Channel } from 'amqplib';
import type { FleetNames } from '../names.js';

/** How many range messages wait where: what `status`, the dashboard and the producer's gauges show. */
export interface QueueDepth {
  /** Messages in the work queue waiting for a consumer. */
  ready: number;
  /** Ranges the live consumers report in hand: AMQP's queue.declare does not report unacked messages. */
  unacked: number;
  /**
   * Messages waiting out their retry TTL, over every retry queue. Not counted: the retry queues of an earlier
   * version, which may or may not exist (a passive declare of a missing one closes the channel); they empty
   * into the work queue within their TTL and are deleted then (sweepLegacyRetryQueues).
   */
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
  channel: Pick<Channel, 'checkQueue'>, names: FleetNames, inHand: number,
): Promise<QueueDepth> {
  const work = await channel.checkQueue(names.workQueue);
  const dead = await channel.checkQueue(names.deadQueue);
  let retrying = 0;
  // Every retry queue, whatever BACKFILL_MAX_ATTEMPTS is here: a replica with more attempts fills the later ones.
  for (const queue of names.retryQueues) retrying += (await channel.checkQueue(queue)).messageCount;
  return { ready: work.messageCount, unacked: inHand, retrying, deadLetter: dead.messageCount, brokerConsumers: work.consumerCount };
}
