import type pg from 'pg';
import { UsageError } from '../shared/errors.js';
import { getJob, jobsOtherThan, transitionJob, type JobSummary } from '../shared/ledger/jobs.js';
import { doneRangeCount, lockDoneRange, rangesInStates, type PlannedRange } from '../shared/ledger/ranges.js';
import { actionAllowed, type JobState } from '../shared/ledger/states.js';
import { createdByOfJob } from '../shared/names.js';
import { LATER_WRITERS_SQL, RESTORE_RANGE_SQL, RETIRE_RANGE_SQL, ROLLBACK_PLAN_SQL, SAMPLE_SIZE } from './rollbackSql.js';

/**
 * `backfill rollback`: undo a stopped job range by range (resumable). A track is restored only while it still
 * holds what the job wrote; a track a later job or the application wrote since is kept and reported. While a
 * later job has written over the job's tracks, the rollback refuses unless told to keep those writes.
 */

/** The command-line flag that lets a rollback go ahead past later jobs' writes (named in messages). */
export const KEEP_LATER_WRITES_FLAG = '--keep-later-writes';

/** Tracks left as they are, with a few ids to look at. */
export interface KeptTracks {
  tracks: number;
  sampleTrackIds: number[];
}

/** A later job that wrote over tracks of the job being rolled back. */
export interface LaterWriter {
  jobId: number;
  analysisVersion: string;
  state: JobState;
  tracks: number;
  sampleTrackIds: number[];
}

export interface RollbackPlan {
  ranges: number;
  historyRows: number;
  /** Tracks that still hold the job's values: restored, `fromSnapshots` of them to saved earlier values, the rest to NULL. */
  restorable: number;
  fromSnapshots: number;
  keptOverwrittenByJobs: KeptTracks;
  keptChangedOutsideBackfill: KeptTracks;
  laterWriters: LaterWriter[];
}

export interface RollbackProgress {
  rangesDone: number;
  rangesTotal: number;
  tracksRestored: number;
  keptOverwrittenByJobs: KeptTracks;
  keptChangedOutsideBackfill: KeptTracks;
  /** Snapshots of other jobs that held this job's values, set to what was there before it. */
  snapshotsRelinked: number;
}

export interface RollbackOptions {
  /** Go ahead although later jobs wrote over some tracks: those keep the later values. */
  keepLaterWrites: boolean;
}

/** What a rollback of the job would do — nothing is changed (the confirmation prompt). */
export async function rollbackPlan(pool: pg.Pool, jobId: number): Promise<RollbackPlan> {
  const others = await jobsOtherThan(pool, jobId);
  const later = others.filter((j) => j.id > jobId);
  const { rows } = await pool.query<{
    ranges: number; history_rows: number; restorable: number; from_snapshots: number; kept_by_jobs: number; kept_changed: number;
    sample_by_jobs: number[]; sample_changed: number[];
  }>(ROLLBACK_PLAN_SQL, [jobId, createdByOfJob(jobId), later.map((j) => createdByOfJob(j.id))]);
  const r = rows[0];
  if (!r) throw new UsageError(`no backfill job ${jobId}`);
  return {
    ranges: r.ranges, historyRows: r.history_rows, restorable: r.restorable, fromSnapshots: r.from_snapshots,
    keptOverwrittenByJobs: { tracks: r.kept_by_jobs, sampleTrackIds: r.sample_by_jobs },
    keptChangedOutsideBackfill: { tracks: r.kept_changed, sampleTrackIds: r.sample_changed },
    laterWriters: await laterWriters(pool, jobId, later),
  };
}

/** Why a rollback is refused while later jobs wrote over its tracks, and the two ways on. */
export function laterWritersRefusal(jobId: number, writers: LaterWriter[]): string {
  const named = writers.map((w) => `job ${w.jobId} (version ${w.analysisVersion}, ${w.state}) wrote over ${w.tracks} of these tracks since`);
  return `${named.join('; ')}: roll ${writers.length > 1 ? 'them' : 'it'} back first, or pass ${KEEP_LATER_WRITES_FLAG} ` +
    `to roll back only tracks still holding job ${jobId}'s values`;
}

/** Refuses while the job may still write, or while later jobs wrote over its tracks (unless told to keep those writes). */
export async function rollbackJob(
  pool: pg.Pool, jobId: number, actor: string, onProgress: (p: RollbackProgress) => void,
  options: RollbackOptions = { keepLaterWrites: false },
): Promise<RollbackProgress> {
  const job = await getJob(pool, jobId);
  if (!job) throw new UsageError(`no backfill job ${jobId}`);
  if (!actionAllowed('rollback', job.state)) {
    throw new UsageError(`job ${jobId} is ${job.state}: roll back only a job that has stopped (completed, failed or cancelled); pause or cancel it first`);
  }
  const others = await jobsOtherThan(pool, jobId);
  const later = others.filter((j) => j.id > jobId);
  if (!options.keepLaterWrites) {
    const writers = await laterWriters(pool, jobId, later);
    if (writers.length > 0) throw new UsageError(laterWritersRefusal(jobId, writers));
  }
  if (job.state !== 'rolling_back') await transitionJob(pool, jobId, [job.state], 'rolling_back', actor, 'rollback');
  const progress: RollbackProgress = {
    rangesDone: 0, rangesTotal: await doneRangeCount(pool, jobId), tracksRestored: 0, snapshotsRelinked: 0,
    keptOverwrittenByJobs: { tracks: 0, sampleTrackIds: [] }, keptChangedOutsideBackfill: { tracks: 0, sampleTrackIds: [] },
  };
  const laterNames = later.map((j) => createdByOfJob(j.id));
  let after = 0;
  for (;;) {
    const ranges = await rangesInStates(pool, jobId, ['done'], after, 100);
    if (ranges.length === 0) break;
    for (const range of ranges) {
      await rollbackRange(pool, jobId, range, laterNames, progress);
      onProgress(progress);
      after = range.rangeId;
    }
  }
  const kept = progress.keptOverwrittenByJobs.tracks + progress.keptChangedOutsideBackfill.tracks;
  await transitionJob(pool, jobId, ['rolling_back'], 'rolled_back', actor,
    `${progress.tracksRestored} tracks restored${kept > 0 ? `, ${kept} kept (written since)` : ''}`);
  return progress;
}

/** One range in one transaction: restore what still holds the job's values, then retire its history (rollbackSql.ts). */
async function rollbackRange(
  pool: pg.Pool, jobId: number, range: PlannedRange, laterNames: string[], progress: RollbackProgress,
): Promise<void> {
  const createdBy = createdByOfJob(jobId);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // A second rollback of the same job running at once waits here, then finds the range rolled back.
    if (!(await lockDoneRange(client, jobId, range.rangeId))) {
      await client.query('ROLLBACK');
      return;
    }
    const { rows } = await client.query<{ restored: number; kept_by_jobs: number; kept_changed: number; sample_by_jobs: number[]; sample_changed: number[] }>(
      RESTORE_RANGE_SQL, [createdBy, range.startId, range.endId, jobId, laterNames]);
    const retired = await client.query<{ relinked: number }>(RETIRE_RANGE_SQL, [createdBy, range.startId, range.endId, jobId, range.rangeId]);
    await client.query('COMMIT');
    const r = rows[0];
    progress.rangesDone++;
    progress.tracksRestored += r?.restored ?? 0;
    progress.snapshotsRelinked += retired.rows[0]?.relinked ?? 0;
    addKept(progress.keptOverwrittenByJobs, r?.kept_by_jobs ?? 0, r?.sample_by_jobs ?? []);
    addKept(progress.keptChangedOutsideBackfill, r?.kept_changed ?? 0, r?.sample_changed ?? []);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function addKept(kept: KeptTracks, tracks: number, sample: number[]): void {
  kept.tracks += tracks;
  kept.sampleTrackIds = [...kept.sampleTrackIds, ...sample].slice(0, SAMPLE_SIZE);
}

/** Later jobs that wrote over tracks still carrying this job's history, in job order. */
async function laterWriters(pool: pg.Pool, jobId: number, later: JobSummary[]): Promise<LaterWriter[]> {
  if (later.length === 0) return [];
  const { rows } = await pool.query<{ job_id: number; tracks: number; sample: number[] }>(LATER_WRITERS_SQL,
    [createdByOfJob(jobId), later.map((j) => j.id), later.map((j) => createdByOfJob(j.id))]);
  const byId = new Map(later.map((j) => [j.id, j]));
  return rows.map((r) => {
    const job = byId.get(r.job_id) as JobSummary;
    return { jobId: r.job_id, analysisVersion: job.analysisVersion, state: job.state, tracks: r.tracks, sampleTrackIds: r.sample };
  });
}

