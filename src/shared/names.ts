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
  /** Retry queues, one per attempt, each with a longer TTL; expired messages go back to the work exchange. */
  retryQueue(attempt: number): string;
  /** Dead-letter exchange (fanout) and its queue: messages that will never be processed, with a reason. */
  deadExchange: string;
  deadQueue: string;
  /** BullMQ queue of backfill requests and its Redis prefix. */
  requestQueue: string;
  bullPrefix: string;
  /** Redis key prefix of the coordinator. */
  redisPrefix: string;
}

export function fleetNames(namespace: string): FleetNames {
  return {
    workExchange: `${namespace}.backfill`,
    // v2: no x-delivery-limit (attempts are counted by the ledger); v1 was `${namespace}.backfill.ranges`.
    workQueue: `${namespace}.backfill.ranges.v2`,
    legacyWorkQueues: [`${namespace}.backfill.ranges`],
    workRoutingKey: 'range',
    retryQueue: (attempt) => `${namespace}.backfill.retry.${attempt}`,
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
