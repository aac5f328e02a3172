import type pg from 'pg';

/**
 * Will a backfill force checkpoints? PostgreSQL starts a checkpoint whenever the WAL written since the last
 * one reaches max_wal_size / (1 + checkpoint_completion_target) (539 MB with the defaults). A job that
 * writes more forces checkpoints while it runs (pg_stat_bgwriter.checkpoints_req, "checkpoints are occurring
 * too frequently"): each one flushes the job's dirty pages and syncs them, and the application's commits queue
 * behind that I/O. Raising max_wal_size for the job lets the timed checkpoint spread the same writes instead.
 */

/** WAL one converted track writes (its history row, the updated track, their index entries): npm run bench:live. */
export const WAL_BYTES_PER_TRACK = 2700;

/** Above this a size for the whole job is not advice anyone can take: pg_wal would need that much disk. */
const MAX_SUGGESTED_GB = 64;

export interface WalSettings {
  maxWalSizeBytes: number;
  checkpointCompletionTarget: number;
}

/** The WAL written between two checkpoints that WAL volume starts. */
export function walBetweenCheckpoints(s: WalSettings): number {
  return s.maxWalSizeBytes / (1 + s.checkpointCompletionTarget);
}

/** A note for the operator when the job's expected WAL exceeds what max_wal_size allows between checkpoints; null otherwise. */
export function walHeadroomNote(expectedTracks: number, s: WalSettings): string | null {
  const expected = expectedTracks * WAL_BYTES_PER_TRACK;
  const between = walBetweenCheckpoints(s);
  if (expected <= between) return null;
  // Enough for the whole job between two checkpoints, with a quarter to spare, in whole gigabytes.
  const suggestedGb = Math.ceil((expected * (1 + s.checkpointCompletionTarget) * 1.25) / 2 ** 30);
  const advice = suggestedGb <= MAX_SUGGESTED_GB
    ? `Raise max_wal_size to about ${suggestedGb}GB for the job (ALTER SYSTEM SET max_wal_size = '${suggestedGb}GB'; SELECT pg_reload_conf())`
    : `Raise max_wal_size for the job as far as the disk of pg_wal allows (the whole job would need about ${suggestedGb}GB): forced checkpoints then come that much less often`;
  return `NOTE: this job will write about ${megabytes(expected)} of WAL (${WAL_BYTES_PER_TRACK} bytes a track × ${expectedTracks} tracks), `
    + `more than max_wal_size ${megabytes(s.maxWalSizeBytes)} allows between checkpoints (${megabytes(between)}): expect about `
    + `${Math.floor(expected / between)} checkpoint(s) forced by WAL while it runs, and the application's commits to stall while they sync. `
    + `${advice} and set it back afterwards (docs/operations.md, "WAL and checkpoints")`;
}

/** In PostgreSQL's unit (1 MB = 1024 kB), as SHOW max_wal_size says it. */
function megabytes(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MB`;
}

const WAL_SQL = `
  SELECT pg_size_bytes(current_setting('max_wal_size'))::float8 AS "maxWalSizeBytes",
         current_setting('checkpoint_completion_target')::float8 AS "checkpointCompletionTarget",
         greatest((SELECT reltuples FROM pg_class WHERE oid = to_regclass('tracks')), 0)::float8 AS tuples,
         (SELECT min(id) FROM tracks)::float8 AS min_id, (SELECT max(id) FROM tracks)::float8 AS max_id`;

/**
 * The note for a job covering ids minId..maxId, from the planner's estimate of the table's rows scaled by the
 * share of the ids the job covers (no count over a table of millions).
 */
export async function walHeadroomForJob(pool: pg.Pool, minId: number | null, maxId: number | null): Promise<string | null> {
  const { rows } = await pool.query<WalSettings & { tuples: number; min_id: number | null; max_id: number | null }>(WAL_SQL);
  const r = rows[0];
  if (!r || r.min_id === null || r.max_id === null || minId === null || maxId === null) return null;
  const share = Math.min(1, Math.max(0, (Math.min(maxId, r.max_id) - Math.max(minId, r.min_id) + 1) / (r.max_id - r.min_id + 1)));
  return walHeadroomNote(Math.round(r.tuples * share), r);
}
