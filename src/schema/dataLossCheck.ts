import pg from 'pg';
import { ANALYSIS_FIELDS, COLUMNS } from '../shared/db/schemaSpec.js';
import { existingColumns, existingTables } from './catalogPresence.js';
import type { Verdict } from './verdicts.js';

/**
 * What reverting AnalysisFields would drop: every value in the analysis columns of `tracks` and every
 * analysis_history row. Counted, not guessed: a score without an analysis_version, metadata alone or history
 * alone is data too. A rollback that would drop any is refused (ABORT) unless confirmed with its own flag.
 */

/** The confirmation flag of `db rollback`, named in the refusal. */
export const ALLOW_DATA_LOSS_FLAG = '--allow-data-loss';

/** The analysis columns of `tracks`, as the schema spec lists them (the revision drops exactly these). */
const ANALYSIS_TRACK_COLUMNS = COLUMNS.filter((c) => c.revision === ANALYSIS_FIELDS && c.table === 'tracks').map((c) => c.name);
const HISTORY_TABLE = 'analysis_history';

export interface AnalysisDataCount {
  /** Tracks with a value, per analysis column that exists. */
  columns: { name: string; tracks: number }[];
  /** Tracks with a value in any of them. */
  tracks: number;
  historyRows: number;
}

/** Counts over the whole of `tracks` (a scan): a rollback is rare, and an estimate could say 0 of a few rows. */
export async function countAnalysisData(pool: pg.Pool): Promise<AnalysisDataCount> {
  const count: AnalysisDataCount = { columns: [], tracks: 0, historyRows: 0 };
  const names = await existingColumns(pool, 'tracks', ANALYSIS_TRACK_COLUMNS);
  if (names.length) {
    // Column names cannot be bind parameters: they are schemaSpec's constants that the catalog has, quoted.
    const quoted = names.map((n) => pg.escapeIdentifier(n));
    const { rows } = await pool.query<Record<string, string>>(
      `SELECT ${quoted.map((q, i) => `count(${q}) AS c${i}`).join(', ')},
              count(*) FILTER (WHERE ${quoted.map((q) => `${q} IS NOT NULL`).join(' OR ')}) AS any FROM tracks`);
    const row = rows[0] ?? {};
    count.columns = names.map((name, i) => ({ name, tracks: Number(row[`c${i}`] ?? 0) }));
    count.tracks = Number(row.any ?? 0);
  }
  if ((await existingTables(pool, [HISTORY_TABLE])).has(HISTORY_TABLE)) {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${HISTORY_TABLE}`);
    count.historyRows = Number(rows[0]?.n ?? 0);
  }
  return count;
}

/** Every non-zero count, in words; empty when nothing would be dropped. */
export function describeAnalysisData(count: AnalysisDataCount): string[] {
  const held = count.columns.filter((c) => c.tracks > 0);
  return [
    ...(count.tracks ? [`${count.tracks} track(s) with analysis values (${held.map((c) => `${c.name} ${c.tracks}`).join(', ')})`] : []),
    ...(count.historyRows ? [`${count.historyRows} ${HISTORY_TABLE} row(s)`] : []),
  ];
}

export async function checkAnalysisDataLoss(pool: pg.Pool, revisions: string[], allowDataLoss: boolean): Promise<Verdict> {
  const check = 'analysis data';
  if (!revisions.includes(ANALYSIS_FIELDS)) return { check, status: 'skip', detail: 'the analysis fields are not reverted' };
  const lost = describeAnalysisData(await countAnalysisData(pool));
  if (!lost.length) return { check, status: 'ok', detail: 'no analysis data would be dropped' };
  const what = `reverting ${ANALYSIS_FIELDS} drops ${lost.join(', ')}`;
  return allowDataLoss
    ? { check, status: 'ok', detail: `${what} (${ALLOW_DATA_LOSS_FLAG}: going ahead)` }
    : { check, status: 'abort', detail: `${what} — pass ${ALLOW_DATA_LOSS_FLAG} to drop them` };
}
