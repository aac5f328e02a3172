import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { FleetNames } from '../shared/names.js';

/** Which attempt a delivery is: the producer starts at 1 and each trip through a retry queue adds one. */
export function attemptOf(message: ConsumeMessage): number {
  const header = message.properties.headers?.['x-attempt'];
  const attempt = typeof header === 'number' ? header : Number(header);
  return Number.isInteger(attempt) && attempt >= 1 && attempt <= 1000 ? attempt : 1;
}

function publishConfirmed(channel: ConfirmChannel, exchange: string, routingKey: string, message: ConsumeMessage,
  headers: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.publish(exchange, routingKey, message.content, {
      persistent: true,
      contentType: message.properties.contentType ?? 'application/json',
      messageId: message.properties.messageId,
      headers: { ...message.properties.headers, ...headers },
    }, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

/**
 * Send a copy to the retry queue of this attempt (its TTL is the backoff) and let the caller ack the
 * original only after the broker confirmed the copy: a crash in between gives a duplicate, never a loss.
 */
export function publishToRetry(channel: ConfirmChannel, names: FleetNames, message: ConsumeMessage, attempt: number,
  lastError: string): Promise<void> {
  return publishConfirmed(channel, '', names.retryQueue(attempt), message, {
    'x-attempt': attempt + 1,
    'x-last-error': lastError.slice(0, 500),
  });
}

/** Park a message in the dead-letter queue with the reason an operator reads there. */
export function publishToDead(channel: ConfirmChannel, names: FleetNames, message: ConsumeMessage, reason: string): Promise<void> {
  return publishConfirmed(channel, names.deadExchange, '', message, {
    'x-reason': reason.slice(0, 500),
    'x-dead-lettered-at': new Date().toISOString(),
  });
}
