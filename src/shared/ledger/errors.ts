import type pg from 'pg';
import type { RowErrorCode } from '../errorCodes.js';

/** One row error as `backfill errors` prints it (the `--json` field names are a contract). */
export interface RowErrorRecord {
  trackId: number;
  filePath: string | null;
  code: RowErrorCode;
  key: string | null;
  message: string;
}

/** Every row error of a job in track order, fetched in keyset pages so a million errors stream in constant memory. */
export async function* rowErrors(
  db: pg.Pool, jobId: number, code: string | undefined, pageSize = 5000,
): AsyncGenerator<RowErrorRecord> {
  let after = -1;
  for (;;) {
    const { rows } = await db.query<RowErrorRecord>(
      `SELECT track_id::float8 AS "trackId", file_path AS "filePath", code, key, message
         FROM backfill_errors WHERE job_id = $1 AND ($2::text IS NULL OR code = $2) AND track_id > $3
        ORDER BY track_id LIMIT $4`,
      [jobId, code ?? null, after, pageSize],
    );
    yield* rows;
    if (rows.length < pageSize) return;
    after = (rows[rows.length - 1] as RowErrorRecord).trackId;
  }
}

export interface ErrorCodeSummary {
  code: RowErrorCode;
  count: number;
  sampleTrackId: number;
  sampleMessage: string;
}

/** Row errors grouped by code with one sample each. */
export async function errorSummary(db: pg.Pool, jobId: number): Promise<ErrorCodeSummary[]> {
  const { rows } = await db.query<ErrorCodeSummary>(
    `SELECT DISTINCT ON (code) code, count(*) OVER (PARTITION BY code)::float8 AS count,
            track_id::float8 AS "sampleTrackId", message AS "sampleMessage"
       FROM backfill_errors WHERE job_id = $1 ORDER BY code, track_id`,
    [jobId],
  );
  return rows;
}

/** Row errors of a range, with the track's file path, once per (job, track). */
const INSERT_ROW_ERRORS_SQL = `
  INSERT INTO backfill_errors (job_id, range_id, track_id, file_path, code, key, message)
  SELECT $1, $2, e.track_id, t.file_path, e.code, e.key, e.message
    FROM unnest($3::int[], $4::text[], $5::text[], $6::text[]) AS e(track_id, code, key, message)
    LEFT JOIN tracks t ON t.id = e.track_id
  ON CONFLICT (job_id, track_id) DO NOTHING`;

/** Record a range's row errors inside its transaction; a track already reported for the job is not reported again. */
export async function insertRowErrors(
  client: pg.PoolClient, jobId: number, rangeId: number,
  errors: readonly { trackId: number; code: string; key: string | null; message: string }[],
): Promise<void> {
  if (errors.length === 0) return;
  await client.query(INSERT_ROW_ERRORS_SQL, [
    jobId, rangeId, errors.map((x) => x.trackId), errors.map((x) => x.code), errors.map((x) => x.key), errors.map((x) => x.message),
  ]);
}
