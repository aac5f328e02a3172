import type pg from 'pg';
import { UsageError } from '../shared/errors.js';
import { getJob, stampFinalized, transitionJob } from '../shared/ledger/jobs.js';
import { actionAllowed } from '../shared/ledger/states.js';
import { legacyTracksBeyondBounds, tracksChangedAfterConversion, SAMPLE_SIZE, type BeyondBounds, type ChangedAfterConversion } from './finalizeChecks.js';

export interface FinalizeReport {
  jobId: number;
  finalized: boolean;
  /** Tracks in the job's bounds with legacy data but neither a history row for the version nor a row error. */
  unconverted: number;
  sampleTrackIds: number[];
  constraintsValidated: string[];
  /** Legacy tracks outside the job's bounds (inserted since it was enqueued): reported, they do not hold up finalize. */
  beyondBounds: BeyondBounds;
  /** Tracks whose blob was rewritten after conversion: they hold up finalize unless accepted. */
  changed: ChangedAfterConversion & { accepted: boolean };
}

export interface FinalizeOptions {
  /** Finalize even when tracks' blobs changed after their conversion (they stay listed in the report). */
  acceptChanged?: boolean;
}

/** Constraints of the upgrade still NOT VALID (a migration stopped between ADD and VALIDATE). */
const NOT_VALID_SQL = `
  SELECT c.conname, c.conrelid::regclass::text AS tbl FROM pg_constraint c
   WHERE c.conrelid IN (to_regclass('tracks'), to_regclass('analysis_history')) AND NOT c.convalidated`;

/**
 * `backfill finalize`: the last step. Checks that no track in the job's bounds still needs conversion
 * (tracks added or given legacy data since the job was enqueued) and no converted track's blob was rewritten
 * since its conversion (unless accepted: the values of such a track no longer say what its blob says, so a
 * silent finalize would hide it), validates constraints left NOT VALID, and marks the job finalized — or reports
 * what remains. Legacy tracks beyond the job's bounds are reported with the command that converts them.
 */
export async function finalizeJob(pool: pg.Pool, jobId: number, actor: string, options: FinalizeOptions = {}): Promise<FinalizeReport> {
  const job = await getJob(pool, jobId);
  if (!job) throw new UsageError(`no backfill job ${jobId}`);
  if (!actionAllowed('finalize', job.state)) {
    throw new UsageError(`job ${jobId} is ${job.state}; only a completed job can be finalized (retry-failed first if it failed)`);
  }
  const { rows } = await pool.query<{ id: number }>(
    `SELECT t.id FROM tracks t
      WHERE t.id BETWEEN $1 AND $2 AND t.analysis_data IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM analysis_history h WHERE h.track_id = t.id AND h.analysis_type = 'full_analysis' AND h.analysis_version = $3)
        AND NOT EXISTS (SELECT 1 FROM backfill_errors e WHERE e.job_id = $4 AND e.track_id = t.id)
      ORDER BY t.id`,
    [job.minId ?? 0, job.maxId ?? -1, job.analysisVersion, jobId]);
  const constraintsValidated: string[] = [];
  for (const c of (await pool.query<{ conname: string; tbl: string }>(NOT_VALID_SQL)).rows) {
    await pool.query(`ALTER TABLE ${quoteIdent(c.tbl)} VALIDATE CONSTRAINT ${quoteIdent(c.conname)}`);
    constraintsValidated.push(`${c.tbl}.${c.conname}`);
  }
  const unconverted = rows.length;
  const beyondBounds = await legacyTracksBeyondBounds(pool, job);
  const changed = { ...(await tracksChangedAfterConversion(pool, job)), accepted: options.acceptChanged === true };
  let finalized = job.state === 'finalized';
  if (unconverted === 0 && (changed.count === 0 || changed.accepted) && !finalized) {
    const reason = changed.count === 0 ? 'every track in the bounds converted or reported'
      : `every track in the bounds converted or reported; ${changed.count} changed after conversion, accepted`;
    finalized = await transitionJob(pool, jobId, ['completed'], 'finalized', actor, reason);
    await stampFinalized(pool, jobId);
  }
  return {
    jobId, finalized, unconverted, sampleTrackIds: rows.slice(0, SAMPLE_SIZE).map((r) => r.id), constraintsValidated, beyondBounds, changed,
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
