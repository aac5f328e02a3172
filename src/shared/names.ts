/**
 * Every RabbitMQ queue, exchange, Redis key and BullMQ queue name is built here from the namespace
 * (TRACKTION_NAMESPACE), so one RabbitMQ and one Redis can serve several isolated fleets (and tests).
 */
export interface FleetNames {
  /** Exchange the producer publishes range messages to (direct). */
  workExchange: string;
  /**
   * Durable quorum queue the consumers read. Its name carries a version because a queue's arguments are part
   * of its identity: a queue declared with other arguments is a new queue, never a redeclaration.
   */
  workQueue: string;
  /** Work queues of earlier versions, deleted when the topology is declared (their ranges are republished from the ledger). */
  legacyWorkQueues: string[];
  /** Routing key of range messages on the work exchange. */
  workRoutingKey: string;
  /**
   * Retry queue of a failed attempt (1-based): a message waits there out its own TTL (the `expiration` its
   * publisher set), then dead-letters back to the work exchange. Attempts past RETRY_QUEUE_SLOTS share the last one.
   */
  retryQueue(attempt: number): string;
  /** Every retry queue, whatever BACKFILL_MAX_ATTEMPTS is: all of them are declared, counted and deleted. */
  retryQueues: string[];
  /**
   * Retry queues of earlier versions (TTL as a queue argument, so their identity depended on
   * BACKFILL_RETRY_BASE_MS): deleted once empty, their messages still dead-letter to the work exchange.
   */
  legacyRetryQueues: string[];
  /** Dead-letter exchange (fanout) and its queue: messages that will never be processed, with a reason. */
  deadExchange: string;
  deadQueue: string;
  /** BullMQ queue of backfill requests and its Redis prefix. */
  requestQueue: string;
  bullPrefix: string;
  /** Redis key prefix of the coordinator. */
  redisPrefix: string;
}

/**
 * Retry queues a namespace has, fixed so that replicas with different BACKFILL_MAX_ATTEMPTS declare, count and
 * delete the same ones. Failed attempts 1–8 each wait in a queue of their own; attempt 9 and later (TTLs of hours
 * at the default base) share the ninth, where a message may wait for a longer TTL ahead of it: bounded, harmless.
 */
export const RETRY_QUEUE_SLOTS = 9;

/** Earlier versions declared one retry queue per attempt: at most 99, as BACKFILL_MAX_ATTEMPTS is at most 100 (config.ts). */
const LEGACY_RETRY_QUEUES = 99;

export function fleetNames(namespace: string): FleetNames {
  const retryQueue = (attempt: number): string => `${namespace}.backfill.delay.${Math.min(Math.max(1, attempt), RETRY_QUEUE_SLOTS)}`;
  return {
    workExchange: `${namespace}.backfill`,
    // v2: no x-delivery-limit (attempts are counted by the ledger); v1 was `${namespace}.backfill.ranges`.
    workQueue: `${namespace}.backfill.ranges.v2`,
    legacyWorkQueues: [`${namespace}.backfill.ranges`],
    workRoutingKey: 'range',
    // `delay`: the TTL is each message's own expiration; `retry.<n>` had it as x-message-ttl (an argument).
    retryQueue,
    retryQueues: Array.from({ length: RETRY_QUEUE_SLOTS }, (_, i) => retryQueue(i + 1)),
    legacyRetryQueues: Array.from({ length: LEGACY_RETRY_QUEUES }, (_, i) => `${namespace}.backfill.retry.${i + 1}`),
    deadExchange: `${namespace}.backfill.dlx`,
    deadQueue: `${namespace}.backfill.dead`,
    requestQueue: 'backfill-requests',
    bullPrefix: `${namespace}:bull`,
    redisPrefix: `${namespace}:bf:`,
  };
}

/** The value of `analysis_history.created_by` for rows a job wrote; rollback deletes by it. */
export function createdByOfJob(jobId: number): string {
  return `backfill:${jobId}`;
}
