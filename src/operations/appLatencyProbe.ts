import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { quantile } from './latencyTarget.js';

/**
 * The fleet's view of what the application feels, measured by the producer once per throttle round:
 * a few reads of one track by id (the application's commonest statement, a different random id each
 * time, timed from this process like the application times its own), and whether any other
 * application is using the database right now.
 */

/** Every session of this tool names itself "tracktion-…" (producer, consumers, CLI, dashboard): not the application. */
export const OWN_APPLICATION_PREFIX = 'tracktion';

export const PROBE_READS = 10;
export const PROBE_SPACING_MS = 100;
/** The probe between rounds (every second): as many reads as a round (the same 9th of 10), closer together. */
export const QUICK_PROBE = { reads: PROBE_READS, spacingMs: 50 } as const;
/**
 * The round's figure: the median of its reads. The 9th of 10 was tried first (npm run bench:live): it is
 * nearly the round's slowest read, and one slow read in ten on a busy machine kept the throttle lowering a job
 * while the application's own p99 was within 1.2× of its level before the job.
 */
export const PROBE_QUANTILE = 0.5;
/** A session that ran a statement this recently counts as active (a throttle round is 5 s). */
const ACTIVE_WITHIN_SECONDS = 5;

const PROBE_SQL = 'SELECT id, file_path, analysis_data FROM tracks WHERE id >= $1 ORDER BY id LIMIT 1';
const ACTIVITY_SQL = `
  SELECT count(*) FILTER (WHERE state = 'active' OR state_change > now() - make_interval(secs => $2))::int AS active,
         count(*) FILTER (WHERE state = 'active' AND wait_event_type IN ('Lock', 'LWLock', 'IO'))::int AS waiting
  FROM pg_stat_activity
  WHERE backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid()
    AND coalesce(application_name, '') NOT LIKE $1 || '%'`;

export interface ProbeRound {
  /** PROBE_QUANTILE of the round's probe reads (ms). */
  probeMs: number;
  reads: number[];
  /** Other applications' sessions on this database active within the round. */
  activeSessions: number;
  /** Of those, how many were waiting on a lock, a lightweight lock or I/O when sampled. */
  waitingSessions: number;
}

export async function probeApplicationLatency(pool: pg.Pool, { reads, spacingMs }: { reads: number; spacingMs: number } = { reads: PROBE_READS, spacingMs: PROBE_SPACING_MS }): Promise<ProbeRound> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ max: number | null }>('SELECT max(id) AS max FROM tracks');
    const maxId = rows[0]?.max ?? 0;
    const latencies: number[] = [];
    for (let i = 0; i < reads; i++) {
      const id = Math.floor(Math.random() * (maxId + 1));
      const started = performance.now();
      await client.query({ name: 'tracktion-app-latency-probe', text: PROBE_SQL, values: [id] });
      latencies.push(performance.now() - started);
      if (i < reads - 1) await new Promise((resolve) => setTimeout(resolve, spacingMs));
    }
    const activity = await client.query<{ active: number; waiting: number }>(ACTIVITY_SQL, [OWN_APPLICATION_PREFIX, ACTIVE_WITHIN_SECONDS]);
    return {
      probeMs: quantile(latencies, PROBE_QUANTILE), reads: latencies,
      activeSessions: activity.rows[0]?.active ?? 0, waitingSessions: activity.rows[0]?.waiting ?? 0,
    };
  } finally {
    client.release();
  }
}
