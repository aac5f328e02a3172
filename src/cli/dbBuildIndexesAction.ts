import { buildDeferredIndexes, type IndexBuildReport } from '../schema/indexBuild.js';
import { allMigrations, deferrableSteps } from '../../migrations/index.js';
import { timed, withDb } from './dbSession.js';
import { printJson, printMessage } from './output.js';
import { printable } from './safeText.js';

/**
 * `db build-indexes`: build the indexes `db migrate --defer-indexes` left for later, concurrently (the
 * application keeps writing), each with the online lock timeout and retries of a migrate. Idempotent: nothing
 * deferred, nothing done; a build killed half-way is finished by running it again.
 */
export async function buildIndexesAction(options: { json?: boolean }): Promise<void> {
  const report = await build();
  if (options.json) {
    printJson(report);
    return;
  }
  printMessage(report.built.length ? `built ${report.built.join(', ')}` : 'no deferred index to build: nothing to do');
  for (const index of report.unknown) printMessage(printable(`left ${index}: deferred, but unknown to this version of the tool`));
}

/** After `backfill finalize` finalized a job: the deferred indexes, if any, said on stderr. */
export async function buildIndexesAfterFinalize(): Promise<void> {
  let report: IndexBuildReport;
  try {
    report = await build();
  } catch (err) {
    // The error keeps its class (and exit code); the job is finalized whatever the build did.
    if (err instanceof Error) err.message = `the job is finalized, but building the deferred indexes failed: ${err.message} — run db build-indexes to finish`;
    throw err;
  }
  if (report.built.length) printMessage(`built the deferred indexes ${report.built.join(', ')}`);
}

async function build(): Promise<IndexBuildReport> {
  return withDb((db) => timed(db.logger, 'build deferred indexes', () => buildDeferredIndexes(db.url, {
    revisions: allMigrations, deferrable: deferrableSteps, logger: db.logger, applicationName: `${db.applicationName} build-indexes`,
  })));
}
