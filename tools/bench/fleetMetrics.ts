import type pg from 'pg';

/**
 * What the fleet's own ledger says about a job: how its time splits between picking up the request,
 * enumerating and publishing ranges, and the ranges' work. The ledger records one `duration_ms` per
 * range (read + convert + write, inside its transaction, after the range lock; not BEGIN, COMMIT, ack
 * or the Redis report), so a finer split (read / convert / write / commit / ack) needs the consumer to
 * record it — not yet; until then, use `--cpu-prof`.
 */
export interface FleetMetrics {
  ranges: { total: number; done: number; failed: number; retried: number };
  tracks: { converted: number; failed: number; skipped: number };
  /** Enqueue → the producer took the request. */
  pickupSeconds: number | null;
  /** The producer took the request → the last range was published. */
  publishSeconds: number | null;
  /** Enqueue → the first range was done. */
  firstRangeSeconds: number | null;
  /**
   * The tail: the K-th last range done → the last one done, K = consumers. From the K-th last on, fewer ranges
   * were left than consumers, so at least one consumer had nothing to do.
   */
  tailSeconds: number | null;
  /** The last range done → the job completed (the closing check). */
  closeSeconds: number | null;
  /** Sum of the ranges' duration_ms, in seconds: consumer time spent inside ranges (÷ elapsed = ranges in flight). */
  rangeWorkSeconds: number;
  meanRangeMs: number;
  p95RangeMs: number;
}

interface MetricsRow {
  total: number; done: number; failed: number; retried: number;
  converted: number; rows_failed: number; skipped: number;
  pickup: number | null; publish: number | null; first_range: number | null; tail: number | null; close: number | null;
  work_ms: number; mean_ms: number; p95_ms: number;
}

const FLEET_METRICS_SQL = `
  SELECT count(*)::int AS total,
         count(*) FILTER (WHERE r.state = 'done')::int AS done,
         count(*) FILTER (WHERE r.state = 'failed')::int AS failed,
         count(*) FILTER (WHERE r.attempts > 1)::int AS retried,
         coalesce(sum(r.converted), 0)::float8 AS converted, coalesce(sum(r.failed), 0)::float8 AS rows_failed,
         coalesce(sum(r.skipped), 0)::float8 AS skipped,
         extract(epoch FROM j.started_at - j.created_at)::float8 AS pickup,
         extract(epoch FROM max(r.published_at) - j.started_at)::float8 AS publish,
         extract(epoch FROM min(r.finished_at) - j.created_at)::float8 AS first_range,
         extract(epoch FROM max(r.finished_at) - (SELECT f.finished_at FROM backfill_ranges f WHERE f.job_id = j.id
                 AND f.finished_at IS NOT NULL ORDER BY f.finished_at DESC OFFSET $2 - 1 LIMIT 1))::float8 AS tail,
         extract(epoch FROM j.finished_at - max(r.finished_at))::float8 AS close,
         coalesce(sum(r.duration_ms), 0)::float8 AS work_ms,
         coalesce(avg(r.duration_ms), 0)::float8 AS mean_ms,
         coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY r.duration_ms), 0)::float8 AS p95_ms
    FROM backfill_jobs j LEFT JOIN backfill_ranges r ON r.job_id = j.id
   WHERE j.id = $1
   GROUP BY j.id`;

export async function fleetMetrics(pool: pg.Pool, jobId: number, consumers: number): Promise<FleetMetrics> {
  const { rows } = await pool.query<MetricsRow>(FLEET_METRICS_SQL, [jobId, consumers]);
  const r = rows[0];
  if (!r) throw new Error(`job ${jobId} is not in the ledger`);
  const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
  return {
    ranges: { total: r.total, done: r.done, failed: r.failed, retried: r.retried },
    tracks: { converted: r.converted, failed: r.rows_failed, skipped: r.skipped },
    pickupSeconds: round(r.pickup),
    publishSeconds: round(r.publish),
    firstRangeSeconds: round(r.first_range),
    tailSeconds: round(r.tail),
    closeSeconds: round(r.close),
    rangeWorkSeconds: round(r.work_ms / 1000) ?? 0,
    meanRangeMs: Math.round(r.mean_ms),
    p95RangeMs: Math.round(r.p95_ms),
  };
}
