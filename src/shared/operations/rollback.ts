import type pg from 'pg';
import { UsageError } from '../errors.js';
import { getJob, transitionJob, type JobState } from '../ledger/jobs.js';
import { rangesInStates } from '../ledger/ranges.js';
import { createdByOfJob } from '../names.js';

/**
 * Undo one range of a job in one transaction: delete the history rows the job wrote there, put the
 * columns of those tracks back to what they were before the job (its snapshots; NULL where it had
 * written over nothing), and mark the range rolled back. Per range, so a rollback is resumable.
 */
const ROLLBACK_RANGE_SQL = `
  WITH removed AS (
    DELETE FROM analysis_history WHERE created_by = $1 AND track_id BETWEEN $2 AND $3 RETURNING track_id
  ), restored AS (
    UPDATE tracks t
       SET energy_level = (s.previous ->> 'energy_level')::float8,
           danceability = (s.previous ->> 'danceability')::float8,
           valence = (s.previous ->> 'valence')::float8,
           acousticness = (s.previous ->> 'acousticness')::float8,
           instrumentalness = (s.previous ->> 'instrumentalness')::float8,
           analysis_version = s.previous ->> 'analysis_version',
           analysis_metadata = CASE WHEN jsonb_typeof(s.previous -> 'analysis_metadata') = 'null' THEN NULL
                                    ELSE s.previous -> 'analysis_metadata' END
      FROM removed r
      LEFT JOIN backfill_track_snapshots s ON s.job_id = $4 AND s.track_id = r.track_id
     WHERE t.id = r.track_id
    RETURNING t.id
  )
  UPDATE backfill_ranges SET state = 'rolled_back', finished_at = now()
   WHERE job_id = $4 AND range_id = $5
  RETURNING (SELECT count(*) FROM restored)::int AS tracks`;

const ROLLBACK_FROM: JobState[] = ['completed', 'failed', 'cancelled', 'rolling_back'];

export interface RollbackProgress {
  rangesDone: number;
  rangesTotal: number;
  tracksRestored: number;
}

/** Count what a rollback of the job would touch (for the confirmation prompt). */
export async function rollbackPlan(pool: pg.Pool, jobId: number): Promise<{ ranges: number; historyRows: number; snapshots: number }> {
  const { rows } = await pool.query<{ ranges: number; history_rows: number; snapshots: number }>(
    `SELECT (SELECT count(*) FROM backfill_ranges WHERE job_id = $1 AND state = 'done')::int AS ranges,
            (SELECT count(*) FROM analysis_history WHERE created_by = $2)::int AS history_rows,
            (SELECT count(*) FROM backfill_track_snapshots WHERE job_id = $1)::int AS snapshots`,
    [jobId, createdByOfJob(jobId)]);
  const r = rows[0] ?? { ranges: 0, history_rows: 0, snapshots: 0 };
  return { ranges: r.ranges, historyRows: r.history_rows, snapshots: r.snapshots };
}

/** `backfill rollback`: refuses while the job may still write; resumable after an interruption. */
export async function rollbackJob(pool: pg.Pool, jobId: number, actor: string, onProgress: (p: RollbackProgress) => void): Promise<RollbackProgress> {
  const job = await getJob(pool, jobId);
  if (!job) throw new UsageError(`no backfill job ${jobId}`);
  if (!ROLLBACK_FROM.includes(job.state)) {
    throw new UsageError(`job ${jobId} is ${job.state}: roll back only a job that has stopped (completed, failed or cancelled); pause or cancel it first`);
  }
  if (job.state !== 'rolling_back') await transitionJob(pool, jobId, [job.state], 'rolling_back', actor, 'rollback');
  const { rangesTotal } = await countDone(pool, jobId);
  const progress: RollbackProgress = { rangesDone: 0, rangesTotal, tracksRestored: 0 };
  let after = 0;
  for (;;) {
    const ranges = await rangesInStates(pool, jobId, ['done'], after, 100);
    if (ranges.length === 0) break;
    for (const range of ranges) {
      const { rows } = await pool.query<{ tracks: number }>(ROLLBACK_RANGE_SQL,
        [createdByOfJob(jobId), range.startId, range.endId, jobId, range.rangeId]);
      progress.rangesDone++;
      progress.tracksRestored += rows[0]?.tracks ?? 0;
      onProgress(progress);
      after = range.rangeId;
    }
  }
  await transitionJob(pool, jobId, ['rolling_back'], 'rolled_back', actor, `${progress.tracksRestored} tracks restored`);
  return progress;
}

async function countDone(pool: pg.Pool, jobId: number): Promise<{ rangesTotal: number }> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state = 'done'`, [jobId]);
  return { rangesTotal: rows[0]?.n ?? 0 };
}
