import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { convertLegacy } from '../shared/conversion/convert.js';
import type { JobRow } from '../shared/ledger/jobs.js';

/** Track ids a finalize report names at most per finding; the counts are exact. */
export const SAMPLE_SIZE = 10;

/** Candidates of the changed-blob check read and re-converted at a time (bounds the memory, whatever the library). */
const CHANGED_PAGE_ROWS = 500;

/** The program as operators run it, for the commands a report prints. */
const PROGRAM = 'tracktion-migrate';

/** Tracks with legacy data the job was never meant to convert: outside its id bounds, frozen at enqueue. */
export interface BeyondBounds {
  count: number;
  sampleTrackIds: number[];
  /** What converts them: one `backfill enqueue` per side of the bounds that has any (empty when count is 0). */
  commands: string[];
}

/** Tracks whose legacy blob was rewritten after their conversion and now converts to other values. */
export interface ChangedAfterConversion {
  count: number;
  sampleTrackIds: number[];
  /** What converts them again (null when count is 0): a backfill under a new analysis version over their ids. */
  command: string | null;
}

/** `backfill enqueue` for the job's version over ids from..to (either open). */
function enqueueCommand(analysisVersion: string, fromId: number | null, toId: number | null): string {
  return [PROGRAM, 'backfill', 'enqueue', '--analysis-version', shellWord(analysisVersion),
    ...(fromId === null ? [] : ['--from-id', String(fromId)]), ...(toId === null ? [] : ['--to-id', String(toId)])].join(' ');
}

/** A word the shell takes literally (analysis versions are free text, 1–20 characters). */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._:+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Legacy tracks outside the job's bounds with no history row for its version: inserted after the job was
 * enqueued (above its max id, or with explicit ids below its min id). Not the job's — they do not hold up its
 * finalize — but reported with the command that converts them. A job enqueued on an empty library has no bounds:
 * every such track is beyond them.
 */
export async function legacyTracksBeyondBounds(pool: pg.Pool, job: JobRow): Promise<BeyondBounds> {
  const where = `(t.id < $1 OR t.id > $2) AND t.analysis_data IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM analysis_history h WHERE h.track_id = t.id AND h.analysis_type = 'full_analysis' AND h.analysis_version = $3)`;
  // No bounds: an empty interval, so every id is outside it.
  const params = [job.minId ?? 1, job.maxId ?? 0, job.analysisVersion];
  const { rows: [summary] } = await pool.query<{ count: number; below_min: number | null; below_max: number | null; above_min: number | null }>(
    `SELECT count(*)::float8 AS count,
            min(t.id) FILTER (WHERE t.id < $1)::float8 AS below_min, max(t.id) FILTER (WHERE t.id < $1)::float8 AS below_max,
            min(t.id) FILTER (WHERE t.id > $2)::float8 AS above_min
       FROM tracks t WHERE ${where}`, params);
  const count = summary?.count ?? 0;
  if (count === 0) return { count: 0, sampleTrackIds: [], commands: [] };
  const { rows } = await pool.query<{ id: number }>(`SELECT t.id::float8 AS id FROM tracks t WHERE ${where} ORDER BY t.id LIMIT ${SAMPLE_SIZE}`, params);
  const commands: string[] = [];
  if (job.minId === null || job.maxId === null) {
    commands.push(enqueueCommand(job.analysisVersion, null, null));
  } else {
    if (summary?.below_min != null) commands.push(enqueueCommand(job.analysisVersion, summary.below_min, job.minId - 1));
    // Open above: the new job's bounds are frozen when it is enqueued, so it also takes what is inserted until then.
    if (summary?.above_min != null) commands.push(enqueueCommand(job.analysisVersion, job.maxId + 1, null));
  }
  return { count, sampleTrackIds: rows.map((r) => r.id), commands };
}

/**
 * Tracks in the job's bounds whose columns hold the job's version but whose current blob converts to other
 * values than the ones stored (the history row's results): an old analyzer rewrote the blob after conversion.
 *
 * Candidates are cheap to find: a range write updates the track and inserts its history row in one statement,
 * so both rows carry the same xmin until something else updates the track; `t.xmin <> h.xmin` selects tracks
 * changed since (play counts and renames too). Each candidate's current blob is converted again here, with the
 * consumers' own conversion, and compared with the stored results (migration_date aside): only real changes
 * count. Relies on PostgreSQL (9.4+) keeping a frozen tuple's xmin readable (freezing sets a flag, the xmin
 * column still shows the original id); an xid reused after wraparound could hide a change only if the track
 * was updated by a transaction whose id equals its conversion's modulo 2^32 — 4 billion transactions later.
 * A write never stores values converted from a blob other than the current one (rangeWriter.ts checks the blob
 * is still the one read), so a track whose xmin is its history row's holds values of its current blob.
 */
export async function tracksChangedAfterConversion(pool: pg.Pool, job: JobRow): Promise<ChangedAfterConversion> {
  if (job.minId === null || job.maxId === null) return { count: 0, sampleTrackIds: [], command: null };
  const changed: number[] = [];
  let count = 0;
  let firstId: number | null = null;
  let lastChangedId: number | null = null;
  for (let after = job.minId - 1; ;) {
    const { rows } = await pool.query<{ id: number; analysis_data: string | null; results: Record<string, unknown> }>(
      `SELECT t.id::float8 AS id, t.analysis_data, h.results
         FROM tracks t JOIN analysis_history h
           ON h.track_id = t.id AND h.analysis_type = 'full_analysis' AND h.analysis_version = $3
        WHERE t.id > $1 AND t.id <= $2 AND t.analysis_version = $3 AND t.xmin <> h.xmin
        ORDER BY t.id LIMIT ${CHANGED_PAGE_ROWS}`, [after, job.maxId, job.analysisVersion]);
    for (const row of rows) {
      if (convertsAsStored(row.analysis_data, row.results, job.analysisVersion)) continue;
      count++;
      firstId ??= row.id;
      lastChangedId = row.id;
      if (changed.length < SAMPLE_SIZE) changed.push(row.id);
    }
    const last = rows[rows.length - 1];
    if (rows.length < CHANGED_PAGE_ROWS || !last) break;
    after = last.id;
  }
  if (count === 0) return { count: 0, sampleTrackIds: [], command: null };
  return { count, sampleTrackIds: changed, command: reconvertCommand(job, firstId as number, lastChangedId as number) };
}

/** The blob converts to exactly the stored results (the conversion time aside). */
function convertsAsStored(blob: string | null, stored: Record<string, unknown>, analysisVersion: string): boolean {
  const outcome = convertLegacy(blob, { analysisVersion, now: new Date() });
  if (outcome.outcome !== 'converted') return false;
  return isDeepStrictEqual(withoutConversionTime(outcome.record as unknown as Record<string, unknown>), withoutConversionTime(stored));
}

function withoutConversionTime(results: Record<string, unknown>): Record<string, unknown> {
  const metadata = (results.metadata ?? {}) as Record<string, unknown>;
  const { migration_date: _time, ...rest } = metadata;
  return { ...results, metadata: rest };
}

/**
 * A track keeps one history row per version, and a backfill skips a track that has one: converting the changed
 * tracks again takes a NEW analysis version, over the ids from the first to the last changed track (every
 * track with legacy data in those bounds is converted under it). The suggested version is the job's with
 * "-r<job id>" (within the 20 characters a version may have).
 */
function reconvertCommand(job: JobRow, fromId: number, toId: number): string {
  const suffix = `-r${job.id}`;
  const version = `${job.analysisVersion.slice(0, 20 - suffix.length)}${suffix}`;
  return enqueueCommand(version, fromId, toId);
}
