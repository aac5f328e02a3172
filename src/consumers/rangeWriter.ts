import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ConvertedRecord } from '../shared/conversion/types.js';
import { SCORE_COLUMNS } from '../shared/db/schemaSpec.js';
import { insertRowErrors } from '../shared/ledger/errors.js';
import { valuesOfTrack } from '../shared/ledger/trackValues.js';
import { TransientError } from '../shared/errors.js';
import { isHistoryDuplicate, isRowDataError } from './pgErrors.js';

/** A converted track ready to be written. */
export interface ConvertedRow {
  trackId: number;
  record: ConvertedRecord;
  /** The track had analysis values when its range was read (hasAnalysisValues): they must be snapshotted. */
  hadValues: boolean;
  /** The blob the record was converted from, as read: the write takes the track only if its blob is still this one. */
  read: BlobRead;
}

/** A blob as the range read saw it: the row version (xmin, digits) and the md5 (hex) of its text. */
export interface BlobRead {
  xmin: string;
  md5: string;
}

/**
 * md5 of a blob's text, over its UTF-8 bytes: what BLOB_MD5_SQL computes in the database, whatever the
 * database's encoding (md5(text) would hash the server encoding's bytes, and in a LATIN1 library every row
 * changed since the read would look rewritten).
 */
export function blobMd5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * True when a `tracks` row already has any of the values a backfill writes — the values its rollback must
 * put back. The range read selects it per track, so a range where no track has any (every first backfill)
 * is written without the snapshot probe.
 */
export function hasAnalysisValues(tracksAlias: string): string {
  const columns = [...SCORE_COLUMNS, 'analysis_version', 'analysis_metadata'];
  // num_nonnulls, not "a IS NOT NULL OR …": negated, that form is an index condition on the analysis indexes, and
  // with no statistics for the columns the planner picked it over the primary key (see RANGE_TRACKS).
  return `(num_nonnulls(${columns.map((column) => `${tracksAlias}.${column}`).join(', ')}) > 0)`;
}

/** A row error ready to be written to the ledger. */
export interface RowError {
  trackId: number;
  code: string;
  key: string | null;
  message: string;
}

export interface HistoryContext {
  jobId: number;
  rangeId: number;
  analysisVersion: string;
  createdBy: string;
  processingTimeMs: number;
}

/**
 * A range is written in one statement, fed by one JSON array. The `tracks` rows are updated FIRST and history
 * rows inserted only for the rows updated: the UPDATE locks each row until commit, so a track the application
 * deletes meanwhile is either gone before the UPDATE reaches it (not updated, no history row) or its DELETE waits
 * for the commit. Inserting history first instead let the foreign key check of analysis_history(track_id) meet a
 * track deleted after the statement's snapshot (23503), failing the whole range.
 *
 * Each input row carries what the range read saw of the track: `x`, the row version (xmin) the blob was read
 * from, and `h`, the md5 of the blob as read. A track is updated only if its blob is still the one converted: the
 * row is at the version read, or (the row changed since, e.g. the application updated another column) its blob's
 * md5 is unchanged — hashed only for rows that changed, which are few. So stored values always come from one
 * committed blob, and a track whose blob is rewritten after its conversion is found by `backfill finalize`
 * (its xmin is no longer its history row's).
 */
const INPUT = `
  WITH input AS (
    -- One JSON array for the whole range: PostgreSQL parses it once, far cheaper than array parameters
    -- (measured: ~10 ms instead of ~38 ms per 2,000-row range) and no per-element escaping in the driver.
    SELECT (e ->> 't')::int AS track_id, (e ->> 'x')::xid AS read_xmin, e ->> 'h' AS read_md5,
           (e -> 'r' ->> 'confidence_score')::float8 AS confidence_score, e -> 'r' AS results
      FROM jsonb_array_elements($1::jsonb) AS e
  )`;

/** blobMd5 in SQL: the md5 of tracks row `t`'s blob over its UTF-8 bytes (a plain copy in a UTF8 database). */
const BLOB_MD5_SQL = `md5(convert_to(t.analysis_data, 'UTF8'))`;

/** The blob of tracks row `t` is still the one read for input row `i` (see INPUT). */
const BLOB_AS_READ = `(t.xmin = i.read_xmin OR ${BLOB_MD5_SQL} = i.read_md5)`;

/**
 * The range's own tracks, by primary key ($5: their ids): every statement that joins the input to `tracks` says
 * so explicitly, so the planner reaches them through the key whatever it believes of the analysis columns. A
 * library analysed before `db migrate` added them has no statistics for them until autovacuum analyses it
 * again; PostgreSQL then guessed that almost no track lacked values, and planned the write as a hash join fed by
 * an index scan of every unconverted track — for each range (measured: 20,000 tracks read to write 50; a
 * backfill of 600,000 tracks at a sixth of its speed). The "no values yet" test (hasAnalysisValues) is written so
 * that it cannot be an index condition either.
 */
const RANGE_TRACKS = (tracksAlias: string): string => `${tracksAlias}.id = ANY($5::bigint[])`;

/** The track already has a history row for the version (written by an earlier job): it is skipped. */
const HAS_HISTORY_FOR_VERSION = (trackId: string): string =>
  `EXISTS (SELECT 1 FROM analysis_history h WHERE h.track_id = ${trackId} AND h.analysis_type = 'full_analysis' AND h.analysis_version = $2)`;

/**
 * History rows for the tracks just updated (CTE `updated`). `onConflict` says what a track that already has a
 * history row for this version does: with ON_CONFLICT_SKIP it is skipped; without, the unique key refuses the
 * whole statement (see writeFresh).
 */
const insertHistory = (onConflict: string): string => `inserted AS (
    INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results, confidence_score,
                                  processing_time_ms, created_at, created_by)
    SELECT u.track_id, 'full_analysis', $2, u.results, u.confidence_score, $3, u.created_at, $4
      FROM updated u
    ${onConflict}
    RETURNING 1
  )`;

/**
 * The statement's answer: history rows inserted and tracks updated. An input track not updated (nearly never)
 * is deleted, skipped (history for the version) or moved under the write; which, is told after the statement
 * (MOVED_TRACKS_SQL), so the input is read once here — not kept for a second look.
 */
const COUNTS = `
  SELECT (SELECT count(*) FROM inserted)::int AS inserted, (SELECT count(*) FROM updated)::int AS updated`;

const ON_CONFLICT_SKIP = 'ON CONFLICT (track_id, analysis_type, analysis_version) DO NOTHING';

/**
 * The new column values, from the input row (alias i). Every join in these statements is one CTE to `tracks`
 * by its primary key: a CTE's row count is a guess to the planner (100, or 1), and two CTEs joined to each
 * other can plan as a nested loop that rescans one per row of the other — measured 9× the whole statement's
 * time, on a table whose statistics said most tracks already had values.
 */
const SET_ANALYSIS_COLUMNS = `
     SET energy_level = (i.results ->> 'energy_level')::float8, danceability = (i.results ->> 'danceability')::float8,
         valence = (i.results ->> 'valence')::float8, acousticness = (i.results ->> 'acousticness')::float8,
         instrumentalness = (i.results ->> 'instrumentalness')::float8,
         analysis_version = $2, analysis_metadata = i.results -> 'metadata'`;

/**
 * The write of a range whose tracks had no analysis values when it was read: nothing to snapshot, so no
 * probe. The UPDATE re-checks "still no values" on the row version it overwrites (READ COMMITTED re-evaluates
 * its WHERE on a row changed by a concurrent writer), so a track that got values from elsewhere since the read
 * is not overwritten here: it is not updated, still there and without history, and the range is written again
 * with WRITE_CONVERTED_SQL.
 */
const writeFirst = (onConflict: string, skipTracksWithHistory: boolean): string => `${INPUT}, updated AS (
    UPDATE tracks t ${SET_ANALYSIS_COLUMNS}
      FROM input i
     WHERE t.id = i.track_id AND ${RANGE_TRACKS('t')} AND NOT ${hasAnalysisValues('t')} AND ${BLOB_AS_READ}
           ${skipTracksWithHistory ? `AND NOT ${HAS_HISTORY_FOR_VERSION('t.id')}` : ''}
    RETURNING t.id AS track_id, t.created_at, i.results, i.confidence_score
  ), ${insertHistory(onConflict)}
  ${COUNTS}`;

/**
 * WRITE_FIRST_SQL with a plain INSERT and no history probe, tried first: in a first backfill no track has a
 * history row for the version yet, and ON CONFLICT's speculative insertion costs about a tenth of the write's
 * backend CPU (measured: 34.4–36.5 against 39.0–40.6 µs a track, 200,000 tracks, three interleaved rounds). The
 * unique key still refuses any duplicate; the range is then written with WRITE_FIRST_SQL, which skips it.
 */
export const WRITE_FRESH_SQL = writeFirst('', false);
export const WRITE_FIRST_SQL = writeFirst(ON_CONFLICT_SKIP, true);

/**
 * Track columns, rollback snapshots and history rows in one statement. The probe (`seen`) reads the rows as
 * the statement's snapshot shows them; a row another session changes before the UPDATE reaches it would be
 * overwritten with values the snapshot never saw, so the UPDATE takes only rows still at the version the probe
 * read (xmin, re-checked on the row it overwrites). A row that moved is not updated: the write is redone.
 */
export const WRITE_CONVERTED_SQL = `${INPUT}, seen AS MATERIALIZED (
    SELECT i.track_id, i.results, i.confidence_score, i.read_xmin, i.read_md5, t.xmin AS seen_xmin,
           ${hasAnalysisValues('t')} AS had_values, ${valuesOfTrack('t')} AS previous
      FROM input i JOIN tracks t ON t.id = i.track_id AND ${RANGE_TRACKS('t')}
     WHERE NOT ${HAS_HISTORY_FOR_VERSION('i.track_id')}
  ), updated AS (
    UPDATE tracks t ${SET_ANALYSIS_COLUMNS}
      FROM seen i
     WHERE t.id = i.track_id AND ${RANGE_TRACKS('t')} AND t.xmin = i.seen_xmin AND ${BLOB_AS_READ}
    RETURNING t.id AS track_id, t.created_at, i.results, i.confidence_score, i.had_values, i.previous
  ), snapshots AS (
    -- The values this job overwrites, for backfill rollback; only tracks that had any (a first backfill writes none).
    INSERT INTO backfill_track_snapshots (job_id, track_id, previous)
    SELECT $6, u.track_id, u.previous FROM updated u WHERE u.had_values
    ON CONFLICT (job_id, track_id) DO NOTHING
  ), ${insertHistory(ON_CONFLICT_SKIP)}
  ${COUNTS}`;

/**
 * Of a write's input tracks, those still to write: they exist and have no history row for the version (the
 * write's own are visible to it), so they moved under the write (got values, changed between probe and UPDATE,
 * or their blob was rewritten since the read). A deleted track is simply not converted: no history row, no row
 * error. Run only when the write updated fewer tracks than it was given.
 */
const MOVED_TRACKS_SQL = `
  SELECT t.id::float8 AS id, ${BLOB_MD5_SQL} AS md5 FROM tracks t WHERE t.id = ANY($1::int[]) AND NOT ${HAS_HISTORY_FOR_VERSION('t.id')}`;

/**
 * A track's legacy blob was rewritten since the read (an old analyzer): the batch cannot be written from this
 * read. Thrown after the batch's writes were rolled back to their savepoint, so the range's transaction goes on:
 * the range reads the chunk again (processRange.ts), and only a chunk rewritten on every read goes to the retry
 * queue under this error's code.
 */
export class BlobRewrittenError extends TransientError {
  constructor(readonly trackId: number) {
    super('write_contended', `the legacy data of track ${trackId} was rewritten since the range read it; retrying the range later`);
  }
}

/** Tries of the write with snapshots before the range is given up to the retry queue (rows kept moving). */
const SNAPSHOT_WRITE_TRIES = 5;


/**
 * Write converted rows; returns how many were newly converted. A row PostgreSQL refuses never fails
 * the others: the batch is split under savepoints until the refused row stands alone, and that row
 * becomes an `unstorable` row error (appended to `errors`).
 */
export async function writeConverted(
  client: pg.PoolClient, rows: ConvertedRow[], ctx: HistoryContext, errors: RowError[],
): Promise<number> {
  if (rows.length === 0) return 0;
  await client.query('SAVEPOINT write_batch');
  try {
    const written = await writeBatch(client, rows, ctx);
    await client.query('RELEASE SAVEPOINT write_batch');
    return written;
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT write_batch');
    if (!isRowDataError(err)) throw err;
    if (rows.length === 1) {
      const only = rows[0] as ConvertedRow;
      errors.push({ trackId: only.trackId, code: 'unstorable', key: null, message: `PostgreSQL refused the row: ${String((err as Error).message).slice(0, 200)}` });
      return 0;
    }
    const half = Math.ceil(rows.length / 2);
    return (await writeConverted(client, rows.slice(0, half), ctx, errors)) + (await writeConverted(client, rows.slice(half), ctx, errors));
  }
}

/**
 * One statement, inside the savepoint `write_batch`; again (rolled back to the savepoint first) when a track
 * moved under it: got values after the read (the write without a probe), or changed between the probe and
 * the UPDATE (the write with it).
 */
async function writeBatch(client: pg.PoolClient, rows: ConvertedRow[], ctx: HistoryContext): Promise<number> {
  const params = convertedParams(rows, ctx);
  const readMd5 = new Map(rows.map((row) => [row.trackId, row.read.md5]));
  if (!rows.some((row) => row.hadValues)) {
    const first = params.slice(0, 5);
    const counts = (await writeFresh(client, first)) ?? (await writeCounts(client, WRITE_FIRST_SQL, first));
    if (await writtenWhole(client, counts, ctx, readMd5)) return counts.updated;
    await client.query('ROLLBACK TO SAVEPOINT write_batch');
  }
  for (let attempt = 1; attempt <= SNAPSHOT_WRITE_TRIES; attempt++) {
    const counts = await writeCounts(client, WRITE_CONVERTED_SQL, params);
    if (await writtenWhole(client, counts, ctx, readMd5)) return counts.updated;
    await client.query('ROLLBACK TO SAVEPOINT write_batch');
  }
  // Not a row error: the range goes to the retry queue and is written later, from the start (read again).
  throw new TransientError('write_contended', `tracks of the range kept changing under the write (${SNAPSHOT_WRITE_TRIES} tries); retrying the range later`);
}

interface WriteCounts { inserted: number; updated: number }

/**
 * Every updated track got its history row (none raced in from another writer) and every track not updated is
 * deleted or already has history for the version — none moved under the write. A track whose legacy data was
 * rewritten since the read cannot be written from this read at all: the range is retried, and read again.
 */
async function writtenWhole(client: pg.PoolClient, counts: WriteCounts, ctx: HistoryContext, readMd5: Map<number, string>): Promise<boolean> {
  if (counts.inserted !== counts.updated) return false;
  if (counts.updated === readMd5.size) return true;
  const { rows } = await client.query<{ id: number; md5: string | null }>(MOVED_TRACKS_SQL, [[...readMd5.keys()], ctx.analysisVersion]);
  const rewritten = rows.find((row) => row.md5 !== readMd5.get(row.id));
  if (rewritten) throw new BlobRewrittenError(rewritten.id);
  return rows.length === 0;
}

/** The plain write; undefined, rolled back to the savepoint, when a track already has a history row for the version. */
async function writeFresh(client: pg.PoolClient, params: unknown[]): Promise<WriteCounts | undefined> {
  try {
    return await writeCounts(client, WRITE_FRESH_SQL, params);
  } catch (err) {
    if (!isHistoryDuplicate(err)) throw err;
    await client.query('ROLLBACK TO SAVEPOINT write_batch');
    return undefined;
  }
}

async function writeCounts(client: pg.PoolClient, sql: string, params: unknown[]): Promise<WriteCounts> {
  const { rows } = await client.query<WriteCounts>(sql, params);
  return rows[0] ?? { inserted: 0, updated: 0 };
}

/** The write statements' parameters for a batch of converted rows (exported for the write statement's bench). */
export function convertedParams(rows: ConvertedRow[], ctx: HistoryContext): unknown[] {
  // Built as text directly: one JSON document, no wrapper objects per row. xmin and md5 are digits and hex.
  const parts = new Array<string>(rows.length);
  const ids = new Array<number>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const { trackId, record, read } = rows[i] as ConvertedRow;
    parts[i] = `{"t":${trackId},"x":"${read.xmin}","h":"${read.md5}","r":${JSON.stringify(record)}}`;
    ids[i] = trackId;
  }
  return [`[${parts.join(',')}]`, ctx.analysisVersion, ctx.processingTimeMs, ctx.createdBy, ids, ctx.jobId];
}

/**
 * Row errors of tracks that still exist, locked (FOR KEY SHARE) until the range commits: a track the application
 * deleted since the read gets none — a deleted track is neither converted nor a row error — and one it deletes
 * now waits for the commit (the error then describes a track that existed when the range was written, as a
 * history row does). Returns the errors written.
 */
export async function writeRowErrors(client: pg.PoolClient, ctx: HistoryContext, errors: RowError[]): Promise<RowError[]> {
  if (errors.length === 0) return errors;
  const { rows } = await client.query<{ id: number }>(
    'SELECT id::float8 AS id FROM tracks WHERE id = ANY($1::bigint[]) FOR KEY SHARE', [errors.map((e) => e.trackId)]);
  const present = new Set(rows.map((r) => r.id));
  const kept = errors.filter((e) => present.has(e.trackId));
  if (kept.length > 0) await insertRowErrors(client, ctx.jobId, ctx.rangeId, kept);
  return kept;
}
