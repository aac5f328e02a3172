import { PreflightError } from './errors.js';

/**
 * The verdicts of the pre-flight checks before `db migrate` / `db rollback`: `ok`, `note` (said, never stops),
 * `abort` (stops the command before anything changes) or `skip` (the check does not apply). There is no
 * general override: a check that may be overridden takes its own named flag (`--allow-data-loss`,
 * `--drop-ledger`) and gives `ok` saying so when it is passed.
 */

export const VERDICT_STATUSES = ['ok', 'note', 'abort', 'skip'] as const;
export type VerdictStatus = (typeof VERDICT_STATUSES)[number];

export interface Verdict {
  check: string;
  status: VerdictStatus;
  detail: string;
}

/** Stop on any abort, naming every one. */
export function enforceVerdicts(verdicts: Verdict[]): void {
  const aborts = verdicts.filter((v) => v.status === 'abort');
  if (aborts.length) {
    throw new PreflightError(`pre-flight stopped the command: ${aborts.map((v) => `${v.check}: ${v.detail}`).join('; ')}`);
  }
}
