import type pg from 'pg';
import { jobTally } from '../shared/ledger/jobs.js';
import type { Verdict } from './preflight.js';

/**
 * Reverting the ledger revisions drops the backfill ledger (jobs, ranges, row errors) and the snapshots
 * `backfill rollback` puts earlier values back from — under a live fleet, the jobs it is working on. So a
 * `db rollback` that reverts them while the ledger holds jobs is refused (ABORT, which --force does not
 * override) unless confirmed with its own flag, which names exactly what it allows.
 */

/** Revisions whose `down` drops ledger tables (BackfillLedger: jobs, ranges, errors; BackfillOperations: snapshots, events). */
const LEDGER_REVISIONS = ['BackfillLedger', 'BackfillOperations'];

/** The confirmation flag of `db rollback`, named in the refusal. */
export const DROP_LEDGER_FLAG = '--drop-ledger';

export async function checkLedgerRevert(pool: pg.Pool, revisions: string[], dropLedgerConfirmed: boolean): Promise<Verdict> {
  const check = 'backfill ledger';
  const reverted = revisions.filter((r) => LEDGER_REVISIONS.some((name) => r.startsWith(name)));
  if (reverted.length === 0) return { check, status: 'skip', detail: 'the ledger revisions are not reverted' };
  const tally = await jobTally(pool);
  if (!tally) return { check, status: 'ok', detail: 'no ledger to drop' };
  const { jobs, unfinished } = tally;
  if (jobs === 0) return { check, status: 'ok', detail: 'the ledger holds no job' };
  const what = `the ledger holds ${jobs} backfill job(s), ${unfinished} not finished (a fleet may be working on them); ` +
    `reverting ${reverted.join(', ')} drops them and the snapshots \`backfill rollback\` needs to put earlier values back`;
  return dropLedgerConfirmed
    ? { check, status: 'ok', detail: `${what} (${DROP_LEDGER_FLAG}: going ahead)` }
    : { check, status: 'abort', detail: `${what} — stop the fleet and use --backup, then pass ${DROP_LEDGER_FLAG} to confirm` };
}
