import { createLogger, type Logger } from '../shared/logger.js';
import { forgetDeferredIndex, pendingIndexes, type DeferrableStep, type DeferredIndex } from './deferredIndexes.js';
import { RevisionError } from './errors.js';
import { withMigrationSession } from './migrator.js';
import type { MigrationClass } from './revisions.js';
import { runSteps, type StepSettings } from './steps.js';

/**
 * Building the indexes `db migrate --defer-indexes` left for later (`db build-indexes`, `backfill finalize`).
 * Each is the revision's own step, run by the same step runner as a migrate — CREATE INDEX CONCURRENTLY IF NOT
 * EXISTS under the migration advisory lock, with the online lock timeout, its retries and the blocker report,
 * an INVALID leftover of an interrupted build dropped first — so the build takes no lock that stops the
 * application's writes, and a build killed half-way is finished by running it again. A row of the deferral
 * table is deleted only once its index is built.
 */

export interface BuildOptions {
  revisions: readonly MigrationClass[];
  /** The deferrable steps of every revision (`deferrableSteps` of `migrations/index.ts`). */
  deferrable: readonly DeferrableStep[];
  logger?: Logger;
  settings?: Partial<StepSettings>;
  applicationName?: string;
}

export interface IndexBuildReport {
  /** Indexes built by this run, in order. */
  built: string[];
  /** Deferred indexes this version of the tool has no step for (left as they are, recorded). */
  unknown: string[];
}

export async function buildDeferredIndexes(databaseUrl: string, options: BuildOptions): Promise<IndexBuildReport> {
  const logger = options.logger ?? createLogger('db.build-indexes');
  return withMigrationSession(databaseUrl, { ...options, logger }, async (session) => {
    const query = (sql: string, params?: unknown[]) => session.queryRunner.query(sql, params) as Promise<unknown>;
    const pending = await pendingIndexes(query);
    const report: IndexBuildReport = { built: [], unknown: [] };
    if (!pending.length) return report;
    refuseWhilePartlyReverted(pending, (await session.status()).partlyReverted);
    // In the revisions' order (a composite index after the single-column ones), whatever order they were deferred in.
    for (const { revision, step } of options.deferrable) {
      const deferred = pending.find((d) => d.index === step.deferrable?.index);
      if (!deferred) continue;
      await runSteps(session.queryRunner, revision, [step]);
      await forgetDeferredIndex(query, deferred.index);
      report.built.push(deferred.index);
    }
    for (const deferred of pending.filter((d) => !report.built.includes(d.index))) {
      logger.warn({ index: deferred.index, revision: deferred.revision }, `index ${deferred.index} is deferred but unknown to this version of the tool: left as it is`);
      report.unknown.push(deferred.index);
    }
    return report;
  });
}

/** An index of a revision whose rollback stopped half-way may have lost its columns: finish the rollback first. */
function refuseWhilePartlyReverted(pending: DeferredIndex[], partlyReverted: string[]): void {
  const stuck = pending.filter((d) => partlyReverted.includes(d.revision));
  if (stuck.length) {
    throw new RevisionError(`${stuck[0]?.revision} is partly reverted: run "db rollback" again to finish reverting it (its deferred indexes ${stuck.map((d) => d.index).join(', ')} go with it)`);
  }
}
