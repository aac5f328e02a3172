import type { Redis } from 'ioredis';
import { connectAmqp } from './amqp/connect.js';
import { deleteTopology } from './amqp/topology.js';
import type { Config } from './config.js';
import type { FleetNames } from './names.js';

/**
 * Remove what a fleet left on RabbitMQ and Redis: the queues and exchanges of its namespace and the Redis
 * keys under `<namespace>:` (BullMQ's and the coordinator's). Used by the demo (before a run, so an earlier
 * run's leftovers cannot mix in) and the bench (after one). Only ever pass a namespace that is the caller's own.
 */
export async function deleteNamespace(config: Config, redis: Redis, names: FleetNames, namespace: string): Promise<void> {
  const connection = await connectAmqp(config.RABBITMQ_URL, 'tracktion-migrate cleanup');
  try {
    const channel = await connection.createChannel();
    await deleteTopology(channel, names);
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
