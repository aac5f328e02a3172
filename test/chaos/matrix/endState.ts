import type pg from 'pg';
import type { CheckResult } from './types.js';

/**
 * The end state a run leaves, in the terms the fault matrix compares: every track's analysis columns, every
 * history row (track, type, version, results) and the row errors (track, code) of the jobs compared. Times
 * written by the run (metadata.migration_date) are left out: they differ between any two runs.
 */
export interface EndState {
  tracks: Map<string, string>;
  history: Map<string, string>;
  errors: Map<string, string>;
}

const TRACKS_SQL = `
  SELECT id::text AS k, json_build_array(energy_level, danceability, valence, acousticness, instrumentalness,
         analysis_version, analysis_metadata - 'migration_date')::text AS v
    FROM tracks`;
const HISTORY_SQL = `
  SELECT track_id || ' ' || analysis_type || ' ' || analysis_version AS k, (results #- '{metadata,migration_date}')::text AS v
    FROM analysis_history`;
const ERRORS_SQL = `SELECT track_id::text AS k, code AS v FROM backfill_errors WHERE job_id = $1`;

/** `jobIds[i]` is the i-th job compared; its errors are keyed by position, so two runs' ids need not agree. */
export async function captureEndState(pool: pg.Pool, jobIds: number[]): Promise<EndState> {
  const toMap = (rows: { k: string; v: string }[], prefix = '') => new Map(rows.map((r) => [`${prefix}${r.k}`, r.v]));
  const tracks = toMap((await pool.query<{ k: string; v: string }>(TRACKS_SQL)).rows);
  const history = toMap((await pool.query<{ k: string; v: string }>(HISTORY_SQL)).rows);
  const errors = new Map<string, string>();
  for (const [i, jobId] of jobIds.entries()) {
    for (const [k, v] of toMap((await pool.query<{ k: string; v: string }>(ERRORS_SQL, [jobId])).rows, `job#${i + 1} track `)) errors.set(k, v);
  }
  return { tracks, history, errors };
}

/** One check per part of the end state; the detail names sample keys of what is missing, extra or different. */
export function compareEndStates(actual: EndState, reference: EndState): CheckResult[] {
  return [
    compareMaps('every track\'s analysis columns = reference', 'track', actual.tracks, reference.tracks),
    compareMaps('every history row = reference', 'history row', actual.history, reference.history),
    compareMaps('every row error (track, code) = reference', 'row error', actual.errors, reference.errors),
  ];
}

const SAMPLES = 4;

function compareMaps(name: string, noun: string, actual: Map<string, string>, expected: Map<string, string>): CheckResult {
  const missing: string[] = [], extra: string[] = [], differ: string[] = [];
  for (const [k, v] of expected) {
    const got = actual.get(k);
    if (got === undefined) missing.push(k);
    else if (got !== v) differ.push(k);
  }
  for (const k of actual.keys()) if (!expected.has(k)) extra.push(k);
  const ok = missing.length + extra.length + differ.length === 0;
  const parts = [
    missing.length ? `${missing.length} ${noun}(s) missing (e.g. ${sample(missing)})` : '',
    extra.length ? `${extra.length} extra (e.g. ${sample(extra)})` : '',
    differ.length ? `${differ.length} differ (e.g. ${differ.slice(0, 2).map((k) => `${k}: got ${short(actual.get(k))}, want ${short(expected.get(k))}`).join('; ')})` : '',
  ].filter(Boolean);
  return { name, ok, detail: ok ? `${expected.size} equal` : parts.join(', ') };
}

function sample(keys: string[]): string {
  return keys.slice(0, SAMPLES).join(', ') + (keys.length > SAMPLES ? ', …' : '');
}

function short(value: string | undefined): string {
  if (value === undefined) return '-';
  return value.length > 90 ? `${value.slice(0, 90)}…` : value;
}
