import { formatBytes } from '../schema/diskCheck.js';
import type { Verdict } from '../schema/verdicts.js';
import type { InterruptedRevision, RevisionPath, RevisionStatus } from '../schema/revisions.js';
import type { BackupResult } from '../schema/backup.js';
import type { VerifyReport } from '../schema/checks.js';
import { formatTable, printJson, printLine, printMessage } from './output.js';
import { printable } from './safeText.js';

/** How the db commands print: reports (status, verify, plan) on stdout, progress and verdicts on stderr. */

/** One line a verdict; details carry paths and names from the catalog, so they are made printable. */
export function printVerdicts(verdicts: Verdict[]): void {
  for (const v of verdicts) printMessage(`pre-flight  ${v.status.toUpperCase().padEnd(5)}  ${v.check}: ${printable(v.detail)}`);
}

/**
 * The --json document of db migrate and db rollback (docs/schema-migration.md): the path, the pre-flight verdicts,
 * the backup file, the revisions done and the validation after the change. Filled in as the command goes, so a
 * refusal or a failure prints what happened up to it.
 */
export interface ChangeReport {
  target: string;
  direction: RevisionPath['direction'];
  /** The revisions on the path, in the order they are applied or reverted. */
  revisions: string[];
  dryRun: boolean;
  /** db migrate --defer-indexes: deferrable index steps are recorded, not run (db build-indexes builds them). */
  deferIndexes: boolean;
  verdicts: Verdict[];
  /** The backup file written before the change; null when skipped (--no-backup) or not reached. */
  backup: string | null;
  done: string[];
  /** Revisions an interrupted run had left partly applied, finished (migrate) or undone (rollback) by this one. */
  partlyAppliedFinished: string[];
  /** After the change: the checks `db verify` runs; null when nothing was changed. */
  validation: VerifyReport | null;
  /** --dry-run of db migrate: the SQL it would run. */
  plan?: string;
}

export function changeReport(path: RevisionPath, verdicts: Verdict[], dryRun: boolean, deferIndexes = false): ChangeReport {
  return {
    target: path.target, direction: path.direction, revisions: path.revisions, dryRun, deferIndexes, verdicts,
    backup: null, done: [], partlyAppliedFinished: [], validation: null,
  };
}

export function targetVerdict(path: RevisionPath): Verdict {
  const what = path.direction === 'none'
    ? 'already there, nothing to do'
    : `${path.direction === 'up' ? 'apply' : 'revert'} ${path.revisions.join(' → ')}`;
  return { check: 'target revision', status: 'ok', detail: `${path.target}: ${what}` };
}

/** The backup written, or (undefined) that it was skipped with --no-backup. */
export function printBackup(result: BackupResult | undefined): void {
  if (!result) {
    printMessage('backup      skipped (--no-backup): if the change fails, there is no backup of this run to return to');
    return;
  }
  printMessage(`backup      written ${printable(result.file)} (${formatBytes(result.bytes)} in ${result.durationMs} ms)`);
}

/** `extra`: further top-level members of the JSON form (the library state), printed by their own report in text. */
export function printStatus(status: RevisionStatus, path: RevisionPath, json: boolean, extra: Record<string, unknown> = {}): void {
  if (json) {
    printJson({ ...status, target: path.target, path: { direction: path.direction, revisions: path.revisions }, ...extra });
    return;
  }
  printLine(`current revision: ${status.current ?? 'base (none applied)'}`);
  printLine(formatTable(['revision', 'state'], status.known.map((r) => [r, revisionState(status, r)])));
  for (const r of status.unknownApplied) printLine(`${r}  applied, but unknown to this version of the tool`);
  for (const i of status.interrupted) printLine(interruptedLine(status, i));
  const route = path.direction === 'none' ? 'nothing to do' : `${path.direction === 'up' ? 'apply' : 'revert'} ${path.revisions.join(' → ')}`;
  printLine(`path to ${path.target}: ${route}`);
}

function revisionState(status: RevisionStatus, revision: string): string {
  if (status.partlyApplied.includes(revision)) return 'partly applied';
  if (status.partlyReverted.includes(revision)) return 'partly reverted';
  return status.applied.includes(revision) ? 'applied' : 'pending';
}

/** The revision name comes from the database: printed inert. */
function interruptedLine(status: RevisionStatus, i: InterruptedRevision): string {
  const when = `interrupted during ${i.direction === 'up' ? 'migrate' : 'rollback'} at ${i.startedAt}`;
  const what = status.partlyReverted.includes(i.revision)
    ? `partly reverted — ${when}: db rollback finishes reverting it`
    : `partly applied — ${when}: db migrate finishes it, db rollback undoes it`;
  return `${printable(i.revision)}  ${what}`;
}

export function printVerify(report: VerifyReport, json: boolean): void {
  if (json) {
    printJson(report);
    return;
  }
  for (const c of report.checks) printLine(`${c.status.padEnd(4)}  ${c.area.padEnd(6)}  ${c.name}: ${c.detail}`);
  const failed = report.checks.filter((c) => c.status === 'FAIL').length;
  const warned = report.checks.filter((c) => c.status === 'WARN').length;
  if (failed) printLine(`${failed} check(s) FAILED`);
  else if (warned) printLine(`no check failed; ${warned} WARN (deferred on purpose, see above)`);
  else printLine(`all ${report.checks.length} checks passed or informational`);
}
