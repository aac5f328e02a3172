import { createTwoFilesPatch } from 'diff';
import { errorMessage } from '../shared/errors.js';
import { redactText } from '../shared/redact.js';
import { InvalidFileError } from './errors.js';
import { readSnapshot, replaceAtomically, writeBackup } from './files.js';
import type { Planner } from './plan.js';

/**
 * Run a pure upgrade core over files, one at a time: read, plan, then either show the diff (dry run) or
 * write the backup and replace the file. One file's failure is reported and the others still run.
 * Shared by `config migrate` and `env migrate`.
 */

export type FileStatus = 'migrated' | 'would migrate' | 'already current' | 'not found' | 'failed';

export interface FileOutcome {
  path: string;
  status: FileStatus;
  from?: string;
  to?: string;
  backup?: string;
  note?: string;
  warnings: string[];
  error?: string;
  /** Dry run only: unified diff with secrets masked. */
  diff?: string;
}

export interface RunOptions {
  dryRun: boolean;
  now?: () => Date;
}

export async function migrateFiles(paths: string[], planner: Planner, options: RunOptions): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const path of paths) outcomes.push(await migrateFile(path, planner, options));
  return outcomes;
}

async function migrateFile(path: string, planner: Planner, { dryRun, now = () => new Date() }: RunOptions): Promise<FileOutcome> {
  try {
    const snapshot = await readSnapshot(path);
    if (!snapshot) return { path, status: 'not found', warnings: [] };
    const { text, bom } = decodeText(path, snapshot.bytes);
    const plan = planner(path, text);
    if (plan.kind === 'current') {
      return { path, status: 'already current', from: plan.from, to: plan.to, note: plan.note, warnings: [] };
    }
    const { from, to, warnings } = plan;
    if (dryRun) {
      return { path, status: 'would migrate', from, to, warnings, diff: unifiedDiff(path, plan.maskedBefore, plan.maskedAfter) };
    }
    const backup = await writeBackup(snapshot, from, now());
    await replaceAtomically(snapshot, Buffer.from(bom + plan.output, 'utf8'));
    return { path, status: 'migrated', from, to, backup, warnings };
  } catch (err) {
    return { path, status: 'failed', warnings: [], error: redactText(errorMessage(err)) };
  }
}

/** UTF-8 only: text that does not decode would be corrupted by writing it back. */
function decodeText(path: string, bytes: Buffer): { text: string; bom: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InvalidFileError(`${path}: not UTF-8 text; left untouched`);
  }
  return text.startsWith('\uFEFF') ? { text: text.slice(1), bom: '\uFEFF' } : { text, bom: '' };
}

export function unifiedDiff(path: string, before: string, after: string): string {
  return createTwoFilesPatch(path, path, before, after, 'current', 'migrated');
}
