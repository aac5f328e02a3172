import { expect } from 'chai';
import type pg from 'pg';
import { WRITE_FRESH_SQL, blobMd5 } from '../../src/consumers/rangeWriter.js';
import { SCORE_COLUMNS } from '../../src/shared/db/schemaSpec.js';
import { createLegacyConverter } from '../../src/shared/conversion/convert.js';
import { HISTORY_UNIQUE_KEY } from '../../src/shared/db/schemaSpec.js';
import { jobCounts } from '../../src/shared/ledger/ranges.js';
import { createdByOfJob } from '../../src/shared/names.js';

type Db = pg.Pool | pg.PoolClient;

/** Everything a range's write can leave behind: a delivery that changes nothing leaves all of it as it was. */
export interface WriteFootprint {
  historyRows: number;
  lastHistoryId: number | null;
  jobHistoryRows: number;
  ledger: { rangesDone: number; converted: number; failed: number; skipped: number };
  rowErrors: number;
  snapshots: number;
  /** A digest of every track of the job, as PostgreSQL prints the row. */
  tracksDigest: string;
  /** A digest of the job's ranges in the ledger: a range run again, even to the same counts, gets a new finish time. */
  rangesDigest: string;
}

export async function writeFootprint(db: Db, jobId: number): Promise<WriteFootprint> {
  const { rows } = await db.query<Omit<WriteFootprint, 'ledger'>>(`
    SELECT (SELECT count(*)::float8 FROM analysis_history) AS "historyRows",
           (SELECT max(id)::float8 FROM analysis_history) AS "lastHistoryId",
           (SELECT count(*)::float8 FROM analysis_history WHERE created_by = $2) AS "jobHistoryRows",
           (SELECT count(*)::float8 FROM backfill_errors WHERE job_id = $1) AS "rowErrors",
           (SELECT count(*)::float8 FROM backfill_track_snapshots WHERE job_id = $1) AS snapshots,
           (SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM tracks t, backfill_jobs j
             WHERE j.id = $1 AND t.id BETWEEN j.min_id AND j.max_id) AS "tracksDigest",
           (SELECT md5(string_agg(r::text, ',' ORDER BY r.range_id)) FROM backfill_ranges r WHERE r.job_id = $1) AS "rangesDigest"`, [jobId, createdByOfJob(jobId)]);
  const counts = await jobCounts(db, jobId);
  const ledger = { rangesDone: counts.rangesDone, converted: counts.converted, failed: counts.failed, skipped: counts.skipped };
  return { ...(rows[0] as Omit<WriteFootprint, 'ledger'>), ledger };
}

/** The assertion of "a range delivered twice changes nothing". */
export function expectNothingChanged(before: WriteFootprint, after: WriteFootprint): void {
  expect(after, 'what the database holds after the second delivery').to.deep.equal(before);
}

/**
 * A range's write with its exactly-once guards taken away, built from the real pieces: the real conversion and
 * the real first-backfill write (WRITE_FRESH_SQL), run with no look at the range's state in the ledger, on a
 * history table whose unique key is dropped and on tracks whose values are cleared first (the write takes only
 * tracks without values), then the range's counts added to the ledger as if it were new.
 * Runs on `client` inside its open transaction: the caller rolls it all back, key included.
 * Returns how many history rows it inserted.
 */
export async function writeRangeWithoutGuards(client: pg.PoolClient, jobId: number, rangeId: number): Promise<number> {
  const { rows: [range] } = await client.query<{ start_id: string; end_id: string; analysis_version: string }>(
    `SELECT r.start_id, r.end_id, j.analysis_version FROM backfill_ranges r JOIN backfill_jobs j ON j.id = r.job_id
      WHERE r.job_id = $1 AND r.range_id = $2`, [jobId, rangeId]);
  if (!range) throw new Error(`job ${jobId} has no range ${rangeId}`);
  await client.query(`ALTER TABLE analysis_history DROP CONSTRAINT ${HISTORY_UNIQUE_KEY}`);
  const convert = createLegacyConverter({ analysisVersion: range.analysis_version, now: new Date() });
  await client.query(`UPDATE tracks SET ${[...SCORE_COLUMNS, 'analysis_version', 'analysis_metadata'].map((c) => `${c} = NULL`).join(', ')}
                       WHERE id BETWEEN $1 AND $2`, [range.start_id, range.end_id]);
  const { rows: tracks } = await client.query<{ id: number; analysis_data: string | null }>(
    'SELECT id, analysis_data FROM tracks WHERE id BETWEEN $1 AND $2 ORDER BY id', [range.start_id, range.end_id]);
  const converted: string[] = [];
  const ids: number[] = [];
  for (const track of tracks) {
    const outcome = convert(track.analysis_data);
    if (outcome.outcome !== 'converted') continue;
    converted.push(`{"t":${track.id},"x":"0","h":"${blobMd5(track.analysis_data as string)}","r":${JSON.stringify(outcome.record)}}`);
    ids.push(track.id);
  }
  const { rows: [written] } = await client.query<{ inserted: number }>(WRITE_FRESH_SQL,
    [`[${converted.join(',')}]`, range.analysis_version, 0, createdByOfJob(jobId), ids]);
  const inserted = written?.inserted ?? 0;
  await client.query('UPDATE backfill_ranges SET converted = coalesce(converted, 0) + $3 WHERE job_id = $1 AND range_id = $2',
    [jobId, rangeId, inserted]);
  return inserted;
}
