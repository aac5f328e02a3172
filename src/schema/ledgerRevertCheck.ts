import type pg from 'pg';
import { jobTally } from '../shared/ledger/jobs.js';
import type { JobState } from '../shared/ledger/states.js';
import { existingTables } from './catalogPresence.js';
import type { Verdict } from './verdicts.js';

/**
 * Reverting the ledger revisions drops the backfill ledger (jobs, ranges, row errors) and the snapshots
 * `backfill rollback` puts earlier values back from — under a live fleet, the jobs it is working on. So a
 * `db rollback` that would drop any of it is refused (ABORT) unless confirmed with its own flag, which names
 * exactly what it allows. Only tables that exist are counted (a revision may be half-applied).
 */

/** BackfillLedger drops jobs, ranges and row errors; BackfillOperations drops the rollback snapshots. */
const LEDGER = 'BackfillLedger';
const OPERATIONS = 'BackfillOperations';

/** The confirmation flag of `db rollback`, named in the refusal. */
export const DROP_LEDGER_FLAG = '--drop-ledger';

/** A job in these states can no longer be undone by `backfill rollback`: its snapshots are kept for nothing. */
const NOT_UNDOABLE: readonly JobState[] = ['rolled_back', 'finalized'];

/** $1 = NOT_UNDOABLE: snapshot rows and their jobs that `backfill rollback` could still put back. */
const UNDOABLE_SNAPSHOTS_SQL = `
  SELECT count(*) AS rows, count(DISTINCT s.job_id) AS jobs
    FROM backfill_track_snapshots s JOIN backfill_jobs j ON j.id = s.job_id
   WHERE j.state <> ALL($1::text[])`;

const revertsOf = (revisions: string[], name: string) => revisions.some((r) => r.startsWith(name));

async function rowCount(pool: pg.Pool, table: 'backfill_ranges' | 'backfill_errors'): Promise<number> {
  // A table name cannot be a bind parameter: one of two constants.
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}

/** What the reverted ledger revisions would drop, in words: every non-zero count. */
async function ledgerLosses(pool: pg.Pool, revisions: string[]): Promise<string[]> {
  const tables = await existingTables(pool, ['backfill_jobs', 'backfill_ranges', 'backfill_errors', 'backfill_track_snapshots']);
  const lost: string[] = [];
  if (revertsOf(revisions, LEDGER)) {
    const tally = await jobTally(pool);
    if (tally?.jobs) lost.push(`${tally.jobs} backfill job(s), ${tally.unfinished} not finished (a fleet may be working on them)`);
    const ranges = tables.has('backfill_ranges') ? await rowCount(pool, 'backfill_ranges') : 0;
    if (ranges) lost.push(`${ranges} range(s)`);
    const errors = tables.has('backfill_errors') ? await rowCount(pool, 'backfill_errors') : 0;
    if (errors) lost.push(`${errors} row error(s)`);
  }
  if (revertsOf(revisions, OPERATIONS) && tables.has('backfill_track_snapshots') && tables.has('backfill_jobs')) {
    const { rows } = await pool.query<{ rows: string; jobs: string }>(UNDOABLE_SNAPSHOTS_SQL, [NOT_UNDOABLE]);
    const snapshots = Number(rows[0]?.rows ?? 0);
    if (snapshots) lost.push(`${snapshots} rollback snapshot row(s) of ${Number(rows[0]?.jobs ?? 0)} job(s) that \`backfill rollback\` could still undo`);
  }
  return lost;
}

export async function checkLedgerRevert(pool: pg.Pool, revisions: string[], dropLedgerConfirmed: boolean): Promise<Verdict> {
  const check = 'backfill ledger';
  const reverted = revisions.filter((r) => r.startsWith(LEDGER) || r.startsWith(OPERATIONS));
  if (reverted.length === 0) return { check, status: 'skip', detail: 'the ledger revisions are not reverted' };
  const lost = await ledgerLosses(pool, reverted);
  if (!lost.length) return { check, status: 'ok', detail: 'nothing in the ledger would be dropped' };
  const what = `reverting ${reverted.join(', ')} drops ${lost.join(', ')}`;
  return dropLedgerConfirmed
    ? { check, status: 'ok', detail: `${what} (${DROP_LEDGER_FLAG}: going ahead)` }
    : { check, status: 'abort', detail: `${what} — stop the fleet, then pass ${DROP_LEDGER_FLAG} to confirm` };
}
