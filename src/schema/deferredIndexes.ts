import type { QueryRunner } from 'typeorm';
import type { Logger } from '../shared/logger.js';
import { MIGRATIONS_TABLE } from './dataSource.js';
import type { RunQuery } from './revisionProgress.js';
import type { Step } from './steps.js';
import type { Verdict } from './verdicts.js';

/**
 * Indexes left for later on purpose (`db migrate --defer-indexes`). A backfill rewrites every row of `tracks`;
 * each new row version is inserted into every index of the table, so building the analysis indexes after the
 * backfill, once, is cheaper than maintaining them through it. Only steps marked `deferrable` are ever
 * deferred: the keys, foreign keys and checks that correctness needs are always built by the revision.
 *
 * The record is a row per index in a table of the tool's own, next to the in-progress table and, like it,
 * created by the migrator the first time it is needed: the deferral is written while the revision that adds
 * the indexes runs, before any later revision could have created a table for it. `db verify` and `db status`
 * read it to tell an index deferred on purpose (WARN, with the command that builds it) from a missing one
 * (FAIL); `db build-indexes` and `backfill finalize` build what it lists and delete each row once built; a
 * rollback of the revision deletes its rows.
 *
 * The table name is a constant, not a parameter: identifiers take no bind parameters.
 */
export const DEFERRED_INDEXES_TABLE = `${MIGRATIONS_TABLE}_deferred_indexes`;

/** A deferrable step and the revision it belongs to (the build runs it as that revision's step). */
export interface DeferrableStep {
  revision: string;
  step: Step;
}

export interface DeferredIndex {
  index: string;
  table: string;
  revision: string;
  /** UTC, ISO 8601 to the second. */
  deferredAt: string;
}

const CREATE_SQL = `CREATE TABLE IF NOT EXISTS ${DEFERRED_INDEXES_TABLE} (
  index_name text PRIMARY KEY,
  table_name text NOT NULL,
  revision text NOT NULL,
  deferred_at timestamptz NOT NULL DEFAULT now()
)`;

/** $1 = index, $2 = table, $3 = revision. Deferring again keeps the first time. */
const RECORD_SQL = `INSERT INTO ${DEFERRED_INDEXES_TABLE} (index_name, table_name, revision) VALUES ($1, $2, $3) ON CONFLICT (index_name) DO NOTHING`;

const TABLE_EXISTS_SQL = 'SELECT to_regclass($1) IS NOT NULL AS present';

/**
 * Deferred and not built yet: an index that exists and is valid (built by a plain `db migrate` that finished
 * the revision, or by hand) is not pending whatever the table says. An INVALID one is pending.
 */
const PENDING_SQL = `
  SELECT d.index_name AS index, d.table_name AS table, d.revision,
         to_char(d.deferred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "deferredAt"
    FROM ${DEFERRED_INDEXES_TABLE} d
   WHERE NOT EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = to_regclass(d.index_name) AND x.indisvalid)
   ORDER BY d.deferred_at, d.index_name`;

/** $1 = index. */
const FORGET_SQL = `DELETE FROM ${DEFERRED_INDEXES_TABLE} WHERE index_name = $1`;
/** $1 = revision. */
const FORGET_REVISION_SQL = `DELETE FROM ${DEFERRED_INDEXES_TABLE} WHERE revision = $1`;
const FORGET_BUILT_SQL = `
  DELETE FROM ${DEFERRED_INDEXES_TABLE} d
   WHERE EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = to_regclass(d.index_name) AND x.indisvalid)`;

/** $1 = index; a row when it exists and is valid. */
const VALID_INDEX_SQL = 'SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND indisvalid';

/** The command that builds deferred indexes, as the messages name it. */
export const BUILD_COMMAND = 'tracktion-migrate db build-indexes';

async function tableExists(query: RunQuery): Promise<boolean> {
  const [row] = (await query(TABLE_EXISTS_SQL, [DEFERRED_INDEXES_TABLE])) as { present: boolean }[];
  return row?.present ?? false;
}

/** The step context's `defer` for `db migrate --defer-indexes`: record the index unless it is built already. */
export function deferIndexStep(logger: Logger): (queryRunner: QueryRunner, revision: string, step: Step) => Promise<void> {
  return async (queryRunner, revision, step) => {
    const index = step.deferrable?.index;
    if (!index) return;
    const built = (await queryRunner.query(VALID_INDEX_SQL, [index])) as unknown[];
    if (built.length) {
      logger.debug({ revision, index }, `index ${index} exists and is valid: nothing to defer`);
      return;
    }
    await recordDeferredIndex((sql, params) => queryRunner.query(sql, params) as Promise<unknown>, { index, table: step.table, revision });
    // Debug: the pre-flight verdict and the validation's WARN lines say it already.
    logger.debug({ revision, index }, `index ${index} deferred: build it with "${BUILD_COMMAND}" (or backfill finalize)`);
  };
}

/** Record one index as deferred (creating the table the first time). */
export async function recordDeferredIndex(query: RunQuery, deferred: Omit<DeferredIndex, 'deferredAt'>): Promise<void> {
  await query(CREATE_SQL);
  await query(RECORD_SQL, [deferred.index, deferred.table, deferred.revision]);
}

/** The deferred indexes not built yet, oldest deferral first (reads only; none when nothing was ever deferred). */
export async function pendingIndexes(query: RunQuery): Promise<DeferredIndex[]> {
  if (!(await tableExists(query))) return [];
  return (await query(PENDING_SQL)) as DeferredIndex[];
}

export async function forgetDeferredIndex(query: RunQuery, index: string): Promise<void> {
  await query(FORGET_SQL, [index]);
}

/** After a revision was reverted: its indexes are gone, and so is their deferral. */
export async function forgetDeferredOfRevision(query: RunQuery, revision: string): Promise<void> {
  if (await tableExists(query)) await query(FORGET_REVISION_SQL, [revision]);
}

/** After a revision was applied: rows of indexes that exist and are valid now are done with. */
export async function forgetBuiltIndexes(query: RunQuery): Promise<void> {
  if (await tableExists(query)) await query(FORGET_BUILT_SQL);
}

/** A RunQuery over a pg pool (verify and status read through one). */
export function poolQuery(pool: { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> }): RunQuery {
  return async (sql, params) => (await pool.query(sql, params)).rows;
}

/** The verdict `db migrate --defer-indexes` prints: what it leaves for later on this path, or that it has nothing to defer. */
export function deferVerdict(pathRevisions: readonly string[], deferrable: readonly DeferrableStep[]): Verdict {
  const onPath = deferrable.filter((d) => pathRevisions.includes(d.revision));
  if (!onPath.length) {
    return { check: 'deferred indexes', status: 'note', detail: 'nothing to defer: no revision on the path builds a deferrable index (--defer-indexes changes nothing)' };
  }
  const names = onPath.map((d) => d.step.deferrable?.index).join(', ');
  return { check: 'deferred indexes', status: 'ok', detail: `left for ${BUILD_COMMAND} (or backfill finalize): ${names} — queries on their columns scan the table until then` };
}
