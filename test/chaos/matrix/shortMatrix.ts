/**
 * The short fault matrix `npm test` runs (the full one is `npm run chaos -- --matrix`): the scenarios that are
 * cheap on a 2-core machine yet still show their fault. The producer's PostgreSQL outage stays in with an
 * outage longer than BullMQ's five attempts of a request span (2 + 4 + 8 + 16 s of backoff) — a shorter one
 * is ridden out by BullMQ's own retries and would prove nothing. The Redis stall (over 30 s of lock, then 30 s
 * until BullMQ notices) and the other outages are only in the full matrix.
 */
export const SHORT_MATRIX = {
  seed: 7,
  outageMs: 40_000,
  settleMs: 60_000,
  scenarios: [
    'rollback-order',
    'reused-ids',
    'broker-lost-two-jobs',
    'failure-path-pg-cut',
    'over-large-range',
    'stalled-consumer-cancel-rollback',
    'redis-flush-planning',
    'pause-12-restarts',
    'pg-outage-producer',
  ],
} as const;
