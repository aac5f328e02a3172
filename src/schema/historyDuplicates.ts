import type pg from 'pg';
import { HISTORY_UNIQUE_KEY } from '../shared/db/schemaSpec.js';
import type { Verdict } from './verdicts.js';

/**
 * History rows in the way of the unique key on (track_id, analysis_type, analysis_version). A library whose
 * `analysis_history` was created without that key (by the application's Alembic revision) may hold the same
 * track, type and version twice; building the key there would fail half way through a migration, so the
 * migration stops before changing anything and names them, with the command that resolves them.
 */

/** The command that deletes the older rows of each duplicated key, named in every refusal. */
export const DEDUPE_COMMAND = 'tracktion-migrate db dedupe-history --yes';

/** How many sample track ids a refusal names. */
const SAMPLE_SIZE = 5;

export interface HistoryDuplicates {
  /** analysis_history exists without the unique key. */
  unkeyed: boolean;
  keys: number;
  extraRows: number;
  sampleTrackIds: number[];
}

type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

const UNKEYED_SQL = `
  SELECT 1 FROM pg_class WHERE oid = to_regclass('analysis_history') AND relkind IN ('r', 'p')
    AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = $1 AND conrelid = to_regclass('analysis_history'))`;

const DUPLICATES_SQL = `
  WITH duplicated AS (
    SELECT track_id, count(*) AS n FROM analysis_history
    GROUP BY track_id, analysis_type, analysis_version HAVING count(*) > 1
  )
  SELECT count(*)::bigint AS keys, coalesce(sum(n - 1), 0)::bigint AS extra_rows,
         coalesce((SELECT array_agg(track_id ORDER BY track_id) FROM (SELECT DISTINCT track_id FROM duplicated ORDER BY track_id LIMIT $1) s), '{}') AS sample
  FROM duplicated`;

/**
 * Duplicated keys, the rows beyond the first of each, and sample track ids — asked only where analysis_history
 * exists without the unique key (with it there can be none; without the table the GROUP BY cannot be planned).
 * Reads the whole history table once, a plain read that locks nothing.
 */
export async function findHistoryDuplicates(query: Query): Promise<HistoryDuplicates> {
  const unkeyed = (await query(UNKEYED_SQL, [HISTORY_UNIQUE_KEY])).length > 0;
  if (!unkeyed) return { unkeyed, keys: 0, extraRows: 0, sampleTrackIds: [] };
  const [row] = await query(DUPLICATES_SQL, [SAMPLE_SIZE]);
  return {
    unkeyed,
    keys: Number(row?.keys ?? 0),
    extraRows: Number(row?.extra_rows ?? 0),
    sampleTrackIds: ((row?.sample as unknown[] | undefined) ?? []).map(Number),
  };
}

/** "3 (track_id, analysis_type, analysis_version) keys …": what is in the way and how to clear it. */
export function describeDuplicates(d: HistoryDuplicates): string {
  return `analysis_history holds ${d.extraRows} duplicate row(s) over ${d.keys} (track_id, analysis_type, analysis_version) key(s) ` +
    `(track ids ${d.sampleTrackIds.join(', ')}${d.keys > d.sampleTrackIds.length ? ', …' : ''}), in the way of the unique key ${HISTORY_UNIQUE_KEY}; ` +
    `nothing was changed — keep the newest row of each key with "${DEDUPE_COMMAND}", then run db migrate again`;
}

/**
 * Deletes every row that has a newer row (higher id) with the same key: the newest analysis of each key stays.
 * One statement: it is all or nothing, and the duplicates of an application-written table are few.
 */
export const DELETE_OLDER_DUPLICATES_SQL = `
  DELETE FROM analysis_history h USING analysis_history newer
  WHERE newer.track_id = h.track_id AND newer.analysis_type = h.analysis_type
    AND newer.analysis_version = h.analysis_version AND newer.id > h.id`;

/** Revisions that build the unique key, and so stop on duplicates. */
const KEY_BUILDERS = ['AnalysisFields', 'HistoryKeyRepair'];

/** Pre-flight of `db migrate`: duplicates stop it before the first revision (and so before anything changes). */
export async function checkHistoryDuplicates(pool: pg.Pool, revisions: string[]): Promise<Verdict> {
  const check = 'history unique key';
  if (!revisions.some((r) => KEY_BUILDERS.some((name) => r.startsWith(name)))) return { check, status: 'skip', detail: 'no revision to apply builds it' };
  const found = await findHistoryDuplicates(async (sql, params) => (await pool.query(sql, params)).rows as Record<string, unknown>[]);
  if (!found.unkeyed) return { check, status: 'ok', detail: 'analysis_history does not exist yet or has its unique key' };
  if (found.keys === 0) return { check, status: 'ok', detail: 'analysis_history has no unique key yet and no duplicate keys: it will be built concurrently' };
  return { check, status: 'abort', detail: describeDuplicates(found) };
}
