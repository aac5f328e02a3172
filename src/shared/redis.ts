import { Redis } from 'ioredis';
import { connecting, serviceUnavailable } from './services.js';

export interface RedisOptions {
  /** Name shown in `CLIENT LIST`. */
  connectionName: string;
  /**
   * Long-running processes reconnect forever (Redis being restarted must not kill a consumer);
   * one-shot commands give up after a few tries so the operator gets exit 69 instead of a hang.
   */
  persistent: boolean;
  /** BullMQ needs blocking commands to wait for a reconnect rather than fail. */
  forBullmq?: boolean;
}

export async function connectRedis(url: string, options: RedisOptions): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: options.connectionName,
    connectTimeout: 5000,
    maxRetriesPerRequest: options.forBullmq ? null : options.persistent ? 20 : 1,
    enableOfflineQueue: options.persistent || Boolean(options.forBullmq),
    retryStrategy: (times) => (options.persistent || times <= 2 ? Math.min(times * 200, 2000) : null),
  });
  // ioredis emits 'error' on every failed reconnect; the retry strategy decides what happens next.
  redis.on('error', () => undefined);
  try {
    await connecting('Redis', url, () => redis.connect());
  } catch (err) {
    redis.disconnect();
    throw err instanceof Error && err.name === 'ServiceUnavailableError' ? err : serviceUnavailable('Redis', url, err);
  }
  return redis;
}
