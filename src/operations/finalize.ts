import type pg from 'pg';
import { UsageError } from '../shared/errors.js';
import { getJob, stampFinalized, transitionJob } from '../shared/ledger/jobs.js';
import { actionAllowed } from '../shared/ledger/states.js';

export interface FinalizeReport {
  jobId: number;
  finalized: boolean;
  /** Tracks in the job's bounds with legacy data but neither a history row for the version nor a row error. */
  unconverted: number;
  sampleTrackIds: number[];
  constraintsValidated: string[];
}

/** Constraints of the upgrade still NOT VALID (a migration stopped between ADD and VALIDATE). */
const NOT_VALID_SQL = `
  SELECT c.conname, c.conrelid::regclass::text AS tbl FROM pg_constraint c
   WHERE c.conrelid IN (to_regclass('tracks'), to_regclass('analysis_history')) AND NOT c.convalidated`;

/**
 * `backfill finalize`: the last step. Checks that no track in the job's bounds still needs conversion
 * (tracks added or given legacy data since the job was enqueued), validates constraints left NOT VALID,
 * and marks the job finalized — or reports what remains.
 */
export async function finalizeJob(pool: pg.Pool, jobId: number, actor: string): Promise<FinalizeReport> {
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
  let finalized = job.state === 'finalized';
  if (unconverted === 0 && !finalized) {
    finalized = await transitionJob(pool, jobId, ['completed'], 'finalized', actor, 'every track in the bounds converted or reported');
    await stampFinalized(pool, jobId);
  }
  return { jobId, finalized, unconverted, sampleTrackIds: rows.slice(0, 10).map((r) => r.id), constraintsValidated };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
