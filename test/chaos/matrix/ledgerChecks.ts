import type pg from 'pg';
import { createdByOfJob } from '../../../src/shared/names.js';
import type { CliResult } from '../../helpers/cli.js';
import type { CheckResult, ScenarioJob } from './types.js';

/** What `backfill status --json` says that the ledger must agree with. */
interface StatusJson {
  state: string;
  ranges: { total: number; done: number; failed: number; pending: number };
  tracks: { converted: number; failed: number; skipped: number };
}

const LEDGER_SQL = `
  SELECT j.state, j.enumeration_complete, j.ranges_total::int AS ranges_total,
         (SELECT count(*)::int FROM backfill_ranges r WHERE r.job_id = j.id) AS ranges,
         (SELECT count(*)::int FROM backfill_ranges r WHERE r.job_id = j.id AND r.state = 'done') AS done,
         (SELECT count(*)::int FROM backfill_ranges r WHERE r.job_id = j.id AND r.state = 'failed') AS failed_ranges,
         (SELECT array_agg(range_id::int ORDER BY range_id) FROM (SELECT range_id FROM backfill_ranges r
            WHERE r.job_id = j.id AND r.state IN ('pending', 'published') ORDER BY range_id LIMIT 5) o) AS open_sample,
         (SELECT count(*)::int FROM backfill_ranges r WHERE r.job_id = j.id AND r.state IN ('pending', 'published')) AS open,
         (SELECT coalesce(sum(converted), 0)::int FROM backfill_ranges r WHERE r.job_id = j.id) AS converted,
         (SELECT coalesce(sum(failed), 0)::int FROM backfill_ranges r WHERE r.job_id = j.id) AS rows_failed,
         (SELECT coalesce(sum(skipped), 0)::int FROM backfill_ranges r WHERE r.job_id = j.id) AS skipped,
         (SELECT count(*)::int FROM analysis_history h WHERE h.created_by = $2) AS history_rows,
         (SELECT count(*)::int FROM backfill_errors e WHERE e.job_id = j.id) AS error_rows
    FROM backfill_jobs j WHERE j.id = $1`;

/** Legacy tracks of the job's bounds in no range (lost) or in two (planned twice), and ranges outside the bounds. */
const COVERAGE_SQL = `
  WITH j AS (SELECT id, min_id, max_id FROM backfill_jobs WHERE id = $1),
  t AS (SELECT t.id, (SELECT count(*) FROM backfill_ranges r, j WHERE r.job_id = j.id AND t.id BETWEEN r.start_id AND r.end_id) AS n
          FROM tracks t, j WHERE t.analysis_data IS NOT NULL AND t.id BETWEEN j.min_id AND j.max_id)
  SELECT (SELECT count(*)::int FROM t WHERE n = 0) AS uncovered,
         (SELECT array_agg(id) FROM (SELECT id FROM t WHERE n = 0 ORDER BY id LIMIT 5) s) AS uncovered_sample,
         (SELECT min(id) FROM t WHERE n = 0) AS uncovered_min, (SELECT max(id) FROM t WHERE n = 0) AS uncovered_max,
         (SELECT count(*)::int FROM t WHERE n > 1) AS twice,
         (SELECT array_agg(id) FROM (SELECT id FROM t WHERE n > 1 ORDER BY id LIMIT 5) s) AS twice_sample,
         (SELECT count(*)::int FROM backfill_ranges r, j WHERE r.job_id = j.id AND (r.start_id < j.min_id OR r.end_id > j.max_id)) AS outside`;

interface LedgerRow {
  state: string; enumeration_complete: boolean; ranges_total: number; ranges: number; done: number; failed_ranges: number;
  open: number; open_sample: number[] | null; converted: number; rows_failed: number; skipped: number;
  history_rows: number; error_rows: number;
}

/**
 * The ledger's own promises for one job: it ended in an expected state; for a job that ran to its end, no
 * range is left open, its ranges cover every legacy id of its bounds exactly once and stay inside them,
 * `ranges_total` is the ledger's count, and `backfill status --json` equals the ledger (and the data).
 */
export async function checkJob(pool: pg.Pool, job: ScenarioJob, status: () => Promise<CliResult>): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => results.push({ name: `job ${job.id}: ${name}`, ok, detail });
  const row = (await pool.query<LedgerRow>(LEDGER_SQL, [job.id, createdByOfJob(job.id)])).rows[0];
  if (!row) {
    check(`ended ${job.expect.join(' or ')}`, false, 'not in the ledger');
    return results;
  }
  check(`ended ${job.expect.join(' or ')}`, (job.expect as string[]).includes(row.state),
    `${row.state}${row.enumeration_complete ? '' : ', planning unfinished'}; ranges ${row.done} done, ${row.failed_ranges} failed, ${row.open} open of ${row.ranges}`);
  if (!job.ledgerChecks) return results;
  check('no open range left', row.open === 0, row.open === 0 ? 'none' : `${row.open} pending/published (e.g. ranges ${row.open_sample?.join(', ')})`);
  const cov = (await pool.query<{ uncovered: number; uncovered_sample: number[] | null; uncovered_min: number | null; uncovered_max: number | null;
    twice: number; twice_sample: number[] | null; outside: number }>(COVERAGE_SQL, [job.id])).rows[0];
  if (cov) {
    check('every legacy id of its bounds in exactly one range', cov.uncovered === 0 && cov.twice === 0,
      `${cov.uncovered} in no range${cov.uncovered ? ` (ids ${cov.uncovered_min}–${cov.uncovered_max}, e.g. ${cov.uncovered_sample?.join(', ')})` : ''}, ` +
      `${cov.twice} in two or more${cov.twice ? ` (e.g. ${cov.twice_sample?.join(', ')})` : ''}`);
    check('no range outside the job\'s bounds', cov.outside === 0, `${cov.outside} range(s) outside`);
  }
  check('ranges_total = ranges in the ledger', row.ranges_total === row.ranges, `ranges_total ${row.ranges_total}, ledger ${row.ranges}`);
  check('ledger counts = data written', row.converted === row.history_rows && row.rows_failed === row.error_rows,
    `converted ${row.converted} / history rows ${row.history_rows}, failed ${row.rows_failed} / row errors ${row.error_rows}`);
  const printed = await status();
  let s: StatusJson | undefined;
  try {
    s = JSON.parse(printed.stdout) as StatusJson;
  } catch {
    s = undefined;
  }
  check('status --json = ledger', s !== undefined && s.state === row.state && s.ranges.total === row.ranges && s.ranges.done === row.done &&
    s.ranges.failed === row.failed_ranges && s.tracks.converted === row.converted && s.tracks.failed === row.rows_failed && s.tracks.skipped === row.skipped,
    s ? `status ${s.state}, ranges ${s.ranges.done}/${s.ranges.total} (failed ${s.ranges.failed}), tracks ${s.tracks.converted}/${s.tracks.failed}/${s.tracks.skipped}; ` +
      `ledger ${row.state}, ranges ${row.done}/${row.ranges} (failed ${row.failed_ranges}), tracks ${row.converted}/${row.rows_failed}/${row.skipped}`
      : `status exited ${printed.code}: ${printed.stderr.slice(0, 200)}`);
  return results;
}
