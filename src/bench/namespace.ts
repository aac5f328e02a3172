import type { Redis } from 'ioredis';
import { connectAmqp } from '../shared/amqp/connect.js';
import { deleteTopology } from '../shared/amqp/topology.js';
import type { Config } from '../shared/config.js';
import type { FleetNames } from '../shared/names.js';

/**
 * Remove what the bench's fleet left on the shared RabbitMQ and Redis: the queues and exchanges of its
 * own namespace and the Redis keys under `<namespace>:` (BullMQ's and the coordinator's). The namespace
 * is unique per run (`bench-<epoch ms>`), so nothing of anyone else's can match.
 */
export async function deleteNamespace(config: Config, redis: Redis, names: FleetNames, namespace: string): Promise<void> {
  const connection = await connectAmqp(config.RABBITMQ_URL, 'tracktion-bench cleanup');
  try {
    const channel = await connection.createChannel();
    await deleteTopology(channel, names, { maxAttempts: config.BACKFILL_MAX_ATTEMPTS, retryBaseMs: config.BACKFILL_RETRY_BASE_MS });
    await channel.close();
  } finally {
    await connection.close();
  }
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
