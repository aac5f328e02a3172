import { PartialFailure } from '../shared/errors.js';
import type { FileOutcome } from './runner.js';

/**
 * The report of one migrate run, as text for people or one JSON object for scripts, and the exit rule:
 * any failed file (or a named file that does not exist) ends the run with PartialFailure (exit 2).
 * Files of the default set that do not exist are reported but not counted.
 */

export interface RunReport {
  command: string;
  target: string;
  dryRun: boolean;
  files: FileOutcome[];
  summary: { succeeded: number; considered: number; migrated: number; current: number; notFound: number; failed: number };
  message: string;
}

const SUCCESS = new Set(['migrated', 'would migrate', 'already current']);

export function buildReport(command: string, target: string, dryRun: boolean, files: FileOutcome[], explicitFiles: boolean): RunReport {
  const considered = files.filter((f) => explicitFiles || f.status !== 'not found');
  const succeeded = considered.filter((f) => SUCCESS.has(f.status)).length;
  const count = (...statuses: string[]) => files.filter((f) => statuses.includes(f.status)).length;
  const summary = {
    succeeded,
    considered: considered.length,
    migrated: count('migrated', 'would migrate'),
    current: count('already current'),
    notFound: count('not found'),
    failed: considered.length - succeeded,
  };
  const message = `${succeeded}/${considered.length} files migrated successfully${dryRun ? ' (dry run: nothing was written)' : ''}`;
  return { command, target, dryRun, files, summary, message };
}

/** The human form: data lines (diffs, one status line per file, the summary) and warning lines. */
export function formatReport(report: RunReport): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  for (const file of report.files) {
    if (file.diff) lines.push(file.diff.trimEnd());
    lines.push(statusLine(file));
    warnings.push(...file.warnings.map((w) => `tracktion-migrate: warning: ${w}`));
  }
  lines.push(report.message);
  return { lines, warnings };
}

/** Throws PartialFailure when some file failed, after the report has been printed. */
export function finishRun(report: RunReport): void {
  if (report.summary.failed > 0) {
    throw new PartialFailure(`${report.summary.failed} of ${report.summary.considered} files failed (see the report)`);
  }
}

function statusLine(file: FileOutcome): string {
  switch (file.status) {
    case 'migrated':
      return `${file.path}: migrated ${file.from} -> ${file.to} (backup: ${file.backup})`;
    case 'would migrate':
      return `${file.path}: would migrate ${file.from} -> ${file.to} (dry run)`;
    case 'already current':
      return `${file.path}: already current (${file.note ?? file.from})`;
    case 'not found':
      return `${file.path}: not found`;
    case 'failed':
      return `${file.path}: failed: ${(file.error ?? '').replace(`${file.path}: `, '')}`;
  }
}
