import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { errorMessage } from '../shared/errors.js';
import { stepLogLevel, type Logger } from '../shared/logger.js';
import { isUnreachable } from '../shared/services.js';
import { appliedRevisions, type RevisionExecutor } from './dataSource.js';
import { MigrationError, RevisionError } from './errors.js';
import { forgetBuiltIndexes, forgetDeferredOfRevision } from './deferredIndexes.js';
import { interruptedRevisions, markFinished, markStarted, type RunQuery } from './revisionProgress.js';
import { BASE, knownRevisions, revisionStatus, type MigrationClass, type RevisionPath, type RevisionStatus } from './revisions.js';

/**
 * Running the revisions of a path on the migration session, one at a time: each timed, each failure
 * explained with the schema state and the command that finishes or undoes it.
 */

/** What running a revision needs: the session's connection (the step context is attached to it). */
export interface RevisionRun {
  dataSource: DataSource;
  executor: RevisionExecutor;
  queryRunner: QueryRunner;
  query: RunQuery;
  revisions: readonly MigrationClass[];
}

export async function sessionStatus(run: RevisionRun): Promise<RevisionStatus> {
  return revisionStatus(knownRevisions(run.revisions), await appliedRevisions(run.executor), await interruptedRevisions(run.query));
}

export async function runPath(run: RevisionRun, path: RevisionPath, logger: Logger): Promise<string[]> {
  if (path.direction === 'none') {
    logger.debug({ target: path.target }, `schema is at ${path.target}: nothing to do`);
    return [];
  }
  logger.debug({ direction: path.direction, revisions: path.revisions }, `${path.direction === 'up' ? 'applying' : 'reverting'} ${path.revisions.join(', ')}`);
  const done: string[] = [];
  for (const revision of path.revisions) {
    const started = performance.now();
    const instance = run.dataSource.migrations.find((m) => (m.name ?? m.constructor.name) === revision);
    if (!instance) throw new RevisionError(`revision ${revision} is applied in the database but unknown to this version of the tool`);
    try {
      await runRevision(run, instance, revision, path.direction);
    } catch (err) {
      throw await explainFailure(run, revision, path.direction, instance.transaction === false, err);
    }
    const ms = Math.round(performance.now() - started);
    logger[stepLogLevel(ms)]({ revision, ms }, `${path.direction === 'up' ? 'applied' : 'reverted'} ${revision} (${ms} ms)`);
    done.push(revision);
  }
  return done;
}

/**
 * One revision, up or down. One run outside a transaction is recorded in progress from before its first
 * step until TypeORM has recorded (up) or removed (down) it, so an interruption leaves a trace.
 */
async function runRevision(run: RevisionRun, instance: MigrationInterface, revision: string, direction: 'up' | 'down'): Promise<void> {
  const { executor, query } = run;
  const outsideTransaction = instance.transaction === false;
  executor.only = revision;
  const applied = direction === 'down' ? await appliedRevisions(executor) : [];
  if (direction === 'up') {
    executor.transaction = 'each'; // honours the revision's own `transaction = false`
    if (outsideTransaction) await markStarted(query, revision, 'up');
    await executor.executePendingMigrations();
  } else if (!applied.includes(revision)) {
    // Partly applied: TypeORM's undo reverts only the newest *recorded* revision, so `down` runs here
    // directly; its steps are idempotent (IF EXISTS) and undo whatever of the revision exists.
    await markStarted(query, revision, 'down');
    await instance.down(run.queryRunner);
  } else {
    const newest = applied.at(-1);
    if (newest !== revision) throw new RevisionError(`expected ${revision} to be the newest applied revision, found ${newest ?? BASE}`);
    // TypeORM's undo ignores the per-revision flag, so the mode is chosen here from it.
    executor.transaction = outsideTransaction ? 'none' : 'each';
    if (outsideTransaction) await markStarted(query, revision, 'down');
    await executor.undoLastMigration();
  }
  if (outsideTransaction) await markFinished(query, revision);
  // A deferral outlives neither its revision (reverted) nor its index (built by a plain migrate that finished it).
  if (direction === 'down') await forgetDeferredOfRevision(query, revision);
  else await forgetBuiltIndexes(query);
}

/** A failed revision: what failed, which revisions are applied now, and what the operator can do. */
async function explainFailure(run: RevisionRun, revision: string, direction: 'up' | 'down', outsideTransaction: boolean, err: unknown): Promise<unknown> {
  if (isUnreachable(err) || err instanceof RevisionError) return err;
  let state: string;
  try {
    const status = await sessionStatus(run);
    const partly = status.partlyApplied.length ? `; partly applied: ${status.partlyApplied.join(', ')}` : '';
    state = `applied: ${status.applied.join(', ') || 'none'} (current ${status.current ?? BASE}); pending: ${status.pending.join(', ') || 'none'}${partly}`;
  } catch {
    state = 'unknown (the database did not answer)';
  }
  return new MigrationError(`${direction === 'up' ? 'migrate' : 'rollback'} of ${revision} failed: ${errorMessage(err)}. Schema state — ${state}. ${nextStep(revision, direction, outsideTransaction)}`, { cause: err });
}

/** Advice that leads back to a clean state: each command named finishes or undoes exactly this revision. */
function nextStep(revision: string, direction: 'up' | 'down', outsideTransaction: boolean): string {
  if (!outsideTransaction) {
    return `${revision} runs in one transaction, so nothing of it ${direction === 'up' ? 'was applied' : 'was reverted'} — fix the cause and run "db ${direction === 'up' ? 'migrate' : 'rollback'}" again`;
  }
  return direction === 'up'
    ? `${revision} is partly applied; its steps are idempotent — fix the cause and run "db migrate" again to finish it, or "db rollback" to undo it`
    : `${revision} is partly reverted; its steps are idempotent — fix the cause and run "db rollback" again to finish reverting it`;
}
