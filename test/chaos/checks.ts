import type { Channel } from 'amqplib';
import type pg from 'pg';
import { convertLegacy } from '../../src/shared/conversion/convert.js';
import type { FleetNames } from '../../src/shared/names.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * The end state after chaos against what an uninterrupted run leaves (derived row by row from the pure
 * conversion — the reference every fleet test uses): columns and history identical but for timestamps, no
 * duplicates, every bad row reported exactly once, every range done, queues empty, status equal to the ledger.
 */
export async function checkEndState(pool: pg.Pool, channel: Channel, names: FleetNames, jobId: number,
  status: { tracks: { converted: number; failed: number; skipped: number }; ranges: { done: number; total: number } }): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });
  const { rows } = await pool.query<{ id: number; analysis_data: string | null; energy_level: number | null; valence: number | null;
    analysis_version: string | null; history: number; errors: string[] | null }>(`
    SELECT t.id, t.analysis_data, t.energy_level, t.valence, t.analysis_version,
           (SELECT count(*)::int FROM analysis_history h WHERE h.track_id = t.id) AS history,
           (SELECT array_agg(code) FROM backfill_errors e WHERE e.track_id = t.id AND e.job_id = $1) AS errors
      FROM tracks t, backfill_jobs j WHERE j.id = $1 AND t.id BETWEEN j.min_id AND j.max_id ORDER BY t.id`, [jobId]);
  let wrongValues = 0, wrongHistory = 0, wrongErrors = 0, converted = 0, failed = 0;
  const now = new Date();
  for (const row of rows) {
    const expected = convertLegacy(row.analysis_data, { analysisVersion: '2024.1', now });
    if (expected.outcome === 'converted') {
      converted++;
      if (row.history !== 1) wrongHistory++;
      if (row.errors) wrongErrors++;
      if (row.energy_level !== expected.record.energy_level || row.valence !== expected.record.valence || row.analysis_version !== '2024.1') wrongValues++;
    } else if (expected.outcome === 'error') {
      failed++;
      if (row.history !== 0) wrongHistory++;
      if (row.errors?.length !== 1 || row.errors[0] !== expected.code) wrongErrors++;
    } else if (row.history !== 0 || row.errors) {
      wrongHistory++;
    }
  }
  check('converted columns equal the reference', wrongValues === 0, `${wrongValues} track(s) differ of ${converted}`);
  check('exactly one history row per converted track, none elsewhere', wrongHistory === 0, `${wrongHistory} track(s) wrong`);
  check('every bad row reported exactly once with its code', wrongErrors === 0, `${wrongErrors} of ${failed} wrong`);
  const dup = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT track_id FROM analysis_history GROUP BY track_id, analysis_type, analysis_version HAVING count(*) > 1) d`);
  check('no duplicate history rows', dup.rows[0]?.n === 0, `${dup.rows[0]?.n} duplicate key(s)`);
  const open = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state <> 'done'`, [jobId]);
  check('every range done', open.rows[0]?.n === 0, `${open.rows[0]?.n} range(s) not done`);
  const work = await channel.checkQueue(names.workQueue);
  const dead = await channel.checkQueue(names.deadQueue);
  check('queues empty', work.messageCount === 0 && dead.messageCount === 0, `work ${work.messageCount}, dead-letter ${dead.messageCount}`);
  check('status equals the ledger', status.tracks.converted === converted && status.tracks.failed === failed && status.ranges.done === status.ranges.total,
    `status converted ${status.tracks.converted} / ledger ${converted}, failed ${status.tracks.failed} / ${failed}`);
  return results;
}
