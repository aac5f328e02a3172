import type pg from 'pg';
import type { Check } from './checks.js';

/**
 * The data checks of `db verify`. Counts of tracks, populated fields and history rows are INFO (before a
 * backfill they are simply low); scores outside [0, 1], history rows without their track and duplicate
 * (track, type, version) keys are FAIL whenever they are above zero. Once a backfill has written history,
 * a track with an analysis_version but no history row for it is a FAIL too (the backfill writes both in
 * one transaction).
 */

/** One scan of tracks: totals and, per score column, how many values lie outside [0, 1] (NaN included). */
function trackCountsSql(scores: readonly string[]): string {
  const outOfRange = scores.map((c) => `count(*) FILTER (WHERE NOT (${c} BETWEEN 0 AND 1))::bigint AS ${c}`).join(',\n         ');
  return `
  SELECT count(*)::bigint AS tracks,
         count(*) FILTER (WHERE ${scores.map((c) => `${c} IS NOT NULL`).join(' OR ')})::bigint AS populated,
         count(*) FILTER (WHERE analysis_version IS NOT NULL)::bigint AS versioned,
         count(*) FILTER (WHERE analysis_data IS NOT NULL)::bigint AS legacy,
         ${outOfRange}
  FROM tracks`;
}

const HISTORY_COUNTS_SQL = `
  SELECT (SELECT count(*) FROM analysis_history)::bigint AS history,
         (SELECT count(*) FROM analysis_history h
           WHERE NOT EXISTS (SELECT 1 FROM tracks t WHERE t.id = h.track_id))::bigint AS orphans,
         (SELECT count(*) FROM (SELECT 1 FROM analysis_history
           GROUP BY track_id, analysis_type, analysis_version HAVING count(*) > 1) d)::bigint AS duplicates`;

const VERSIONED_WITHOUT_HISTORY_SQL = `
  SELECT count(*)::bigint AS n FROM tracks t
  WHERE t.analysis_version IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM analysis_history h WHERE h.track_id = t.id AND h.analysis_version = t.analysis_version)`;

type Counts = Record<string, string>;

export async function checkData(pool: pg.Pool, scores: readonly string[]): Promise<Check[]> {
  const [tracksResult, historyResult] = await Promise.all([
    pool.query<Counts>(trackCountsSql(scores)),
    pool.query<Counts>(HISTORY_COUNTS_SQL),
  ]);
  const t = numbers(tracksResult.rows[0]);
  const h = numbers(historyResult.rows[0]);
  const total = t.tracks ?? 0;
  const history = h.history ?? 0;
  const out = Object.fromEntries(scores.map((c) => [c, t[c] ?? 0]));
  const outTotal = Object.values(out).reduce((a, b) => a + b, 0);
  const checks: Check[] = [
    info('tracks', `${total} tracks (${t.legacy ?? 0} with a legacy analysis blob)`, { tracks: total, legacy: t.legacy ?? 0 }),
    info('analysis fields populated', `${t.populated ?? 0} of ${total} tracks`, { populated: t.populated ?? 0, tracks: total }),
    info('analysis_version set', `${t.versioned ?? 0} of ${total} tracks`, { versioned: t.versioned ?? 0, tracks: total }),
    info('analysis_history rows', `${history} rows${history === 0 ? ' (no backfill has run yet)' : ''}`, { rows: history }),
    passFail('scores within [0, 1]', outTotal, `${outTotal} values outside [0, 1]: ${scores.map((c) => `${c} ${out[c]}`).join(', ')}`, out),
    passFail('history rows with their track', h.orphans ?? 0, `${h.orphans ?? 0} analysis_history rows without their track`, { orphans: h.orphans ?? 0 }),
    passFail('unique (track, type, version)', h.duplicates ?? 0, `${h.duplicates ?? 0} duplicated (track_id, analysis_type, analysis_version) keys`, { duplicates: h.duplicates ?? 0 }),
  ];
  checks.push(await versionedCheck(pool, history));
  return checks;
}

async function versionedCheck(pool: pg.Pool, history: number): Promise<Check> {
  const { rows } = await pool.query<Counts>(VERSIONED_WITHOUT_HISTORY_SQL);
  const n = Number(rows[0]?.n ?? 0);
  const detail = `${n} tracks with an analysis_version but no analysis_history row for it`;
  if (history === 0) return info('versioned tracks have history', `${detail} (no backfill has run yet)`, { missing: n });
  return passFail('versioned tracks have history', n, detail, { missing: n });
}

function numbers(row: Counts | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}

function info(name: string, detail: string, nums: Record<string, number>): Check {
  return { area: 'data', name, status: 'INFO', detail, numbers: nums };
}

function passFail(name: string, bad: number, detail: string, nums: Record<string, number>): Check {
  return { area: 'data', name, status: bad > 0 ? 'FAIL' : 'PASS', detail, numbers: nums };
}
