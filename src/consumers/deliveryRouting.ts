import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { TransientError } from '../shared/errors.js';
import type { FleetNames } from '../shared/names.js';
import { retryQueueTtlMs } from '../shared/amqp/topology.js';

/**
 * How long a copy may wait for the broker's confirm. A blocked connection (memory or disk alarm) never
 * confirms; the delivery must not wait for ever holding its prefetch slot: it is given back instead.
 */
const CONFIRM_TIMEOUT_MS = 30_000;

function publishConfirmed(channel: ConfirmChannel, exchange: string, routingKey: string, message: ConsumeMessage,
  headers: Record<string, unknown>, expirationMs?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TransientError('publish_unconfirmed',
      `the broker did not confirm the copy to ${exchange || routingKey} within ${CONFIRM_TIMEOUT_MS} ms`)), CONFIRM_TIMEOUT_MS);
    channel.publish(exchange, routingKey, message.content, {
      persistent: true,
      contentType: message.properties.contentType ?? 'application/json',
      messageId: message.properties.messageId,
      headers: { ...message.properties.headers, ...headers },
      ...(expirationMs === undefined ? {} : { expiration: String(expirationMs) }),
    }, (err) => {
      clearTimeout(timer);
      if (err) reject(new TransientError('publish_refused', `the broker refused the copy to ${exchange || routingKey}`, { cause: err }));
      else resolve();
    });
  });
}

/**
 * Send a copy to the retry queue of this attempt and let the caller ack the original only after the broker
 * confirmed the copy: a crash in between gives a duplicate, never a loss. The backoff is the copy's own
 * `expiration`, not an argument of the queue (see declareTopology): the queue's identity never depends on
 * BACKFILL_RETRY_BASE_MS. When it runs out the copy dead-letters back to the work exchange; RabbitMQ removes
 * the `expiration` then, so the redelivered message carries none.
 */
export function publishToRetry(channel: ConfirmChannel, names: FleetNames, message: ConsumeMessage,
  retry: { attempt: number; retryBaseMs: number }, lastError: string): Promise<void> {
  return publishConfirmed(channel, '', names.retryQueue(retry.attempt), message, {
    'x-attempt': retry.attempt + 1,
    'x-last-error': lastError.slice(0, 500),
  }, retryQueueTtlMs(retry.attempt, retry.retryBaseMs));
}

/** Park a message in the dead-letter queue with the reason an operator reads there. */
export function publishToDead(channel: ConfirmChannel, names: FleetNames, message: ConsumeMessage, reason: string): Promise<void> {
  return publishConfirmed(channel, names.deadExchange, '', message, {
    'x-reason': reason.slice(0, 500),
    'x-dead-lettered-at': new Date().toISOString(),
  });
}
