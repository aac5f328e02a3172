import type pg from 'pg';
import { allMigrations, deferrableSteps } from '../../migrations/index.js';
import { poolQuery, recordDeferredIndex } from '../../src/schema/deferredIndexes.js';
import { buildDeferredIndexes } from '../../src/schema/indexBuild.js';
import { quietLogger } from './benchDatabase.js';

/**
 * `npm run bench -- --defer-indexes`: after a fleet run, build the deferred indexes as `db build-indexes` does
 * and time it; then drop them and record them as deferred again, so the next method runs without them too.
 */
export async function timeDeferredBuild(databaseUrl: string, pool: pg.Pool, say: (line: string) => void): Promise<number> {
  const logger = quietLogger('bench.build-indexes');
  const started = performance.now();
  const { built } = await buildDeferredIndexes(databaseUrl, { revisions: allMigrations, deferrable: deferrableSteps, logger });
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  say(`  deferred indexes built in ${seconds.toFixed(2)} s (${built.join(', ')})`);
  for (const { revision, step } of deferrableSteps) {
    const index = step.deferrable?.index;
    if (!index) continue;
    // Bench-only: the index names are the revision's constants, not data.
    await pool.query(`DROP INDEX IF EXISTS ${index}`);
    await recordDeferredIndex(poolQuery(pool), { index, table: step.table, revision });
  }
  return seconds;
}
