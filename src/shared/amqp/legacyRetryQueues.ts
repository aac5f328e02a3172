import type { Channel } from 'amqplib';
import { errorCode, errorMessage } from '../errors.js';
import type { FleetNames } from '../names.js';

/**
 * Delete the retry queues of earlier versions once they are empty. They carried their TTL as `x-message-ttl`;
 * their messages still dead-letter to the work exchange when it runs out, so a queue that holds messages is
 * left alone and looked at again later. `deleteQueue` with `ifEmpty` is atomic: a message that arrives between
 * a count and a delete cannot be lost. A queue that is not empty makes RabbitMQ refuse (406) and close the
 * channel, so every sweep runs on a throwaway channel.
 *
 * Queues go from the highest attempt down and the sweep stops at the first one that still holds messages: the
 * queues left are always attempts 1..k, as the earlier version declared them.
 *
 * An earlier-version consumer still running during a rolling upgrade may route a retry to a queue deleted
 * here; RabbitMQ drops what no queue takes. That range stays open in the ledger, and the producer's start-up
 * or `backfill resume-lost` republishes it, as for the legacy work queues.
 *
 * Returns true when no earlier-version retry queue is left.
 */
export async function sweepLegacyRetryQueues(openChannel: () => Promise<Channel>, names: FleetNames): Promise<boolean> {
  const channel = await openChannel();
  channel.on('error', () => undefined);
  let closed = false;
  channel.once('close', () => (closed = true));
  try {
    for (const queue of [...names.legacyRetryQueues].reverse()) {
      try {
        // Deleting a queue that does not exist is no error in RabbitMQ.
        await channel.deleteQueue(queue, { ifEmpty: true });
      } catch (err) {
        if (isNotEmpty(err)) return false;
        throw err;
      }
    }
    return true;
  } finally {
    if (!closed) await channel.close().catch(() => undefined);
  }
}

/** RabbitMQ's refusal of queue.delete if-empty: 406 PRECONDITION_FAILED "queue '…' in vhost '…' is not empty". */
function isNotEmpty(err: unknown): boolean {
  return errorCode(err) === '406' && /not empty/i.test(errorMessage(err));
}
