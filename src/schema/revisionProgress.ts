import { IN_PROGRESS_TABLE } from './dataSource.js';
import type { InterruptedRevision } from './revisions.js';

/**
 * Bookkeeping of revisions run outside a transaction (`transaction = false`). TypeORM records a revision as
 * applied only when it has finished, so a process killed half-way through one would leave a schema the
 * database cannot explain. The migrator writes a row here before the first step and deletes it once TypeORM
 * has recorded (up) or removed (down) the revision; a row that outlives its run marks the revision as
 * interrupted. A revision in a transaction needs no row: it is applied whole or not at all.
 *
 * The table name is a constant (dataSource.ts), not a parameter: identifiers take no bind parameters.
 */

/** Runs SQL on the migration session (a TypeORM QueryRunner or DataSource). */
export type RunQuery = (sql: string, params?: unknown[]) => Promise<unknown>;

const CREATE_SQL = `CREATE TABLE IF NOT EXISTS ${IN_PROGRESS_TABLE} (
  revision text PRIMARY KEY,
  direction text NOT NULL CHECK (direction IN ('up', 'down')),
  started_at timestamptz NOT NULL DEFAULT now(),
  pid integer NOT NULL DEFAULT pg_backend_pid()
)`;

/** $1 = revision, $2 = direction. A rollback of an interrupted migrate takes its row over. */
const MARK_STARTED_SQL = `
  INSERT INTO ${IN_PROGRESS_TABLE} (revision, direction) VALUES ($1, $2)
  ON CONFLICT (revision) DO UPDATE SET direction = excluded.direction, started_at = now(), pid = pg_backend_pid()`;

/** $1 = revision. */
const MARK_FINISHED_SQL = `DELETE FROM ${IN_PROGRESS_TABLE} WHERE revision = $1`;

/** Reads only: a database no revision was ever started on outside a transaction has no table. */
const LIST_SQL = `
  SELECT revision, direction, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at
  FROM ${IN_PROGRESS_TABLE} ORDER BY started_at, revision`;
const TABLE_EXISTS_SQL = 'SELECT to_regclass($1) IS NOT NULL AS present';

export async function markStarted(query: RunQuery, revision: string, direction: 'up' | 'down'): Promise<void> {
  await query(CREATE_SQL);
  await query(MARK_STARTED_SQL, [revision, direction]);
}

export async function markFinished(query: RunQuery, revision: string): Promise<void> {
  await query(MARK_FINISHED_SQL, [revision]);
}

export async function interruptedRevisions(query: RunQuery): Promise<InterruptedRevision[]> {
  const [table] = (await query(TABLE_EXISTS_SQL, [IN_PROGRESS_TABLE])) as { present: boolean }[];
  if (!table?.present) return [];
  const rows = (await query(LIST_SQL)) as { revision: string; direction: 'up' | 'down'; started_at: string }[];
  return rows.map((r) => ({ revision: r.revision, direction: r.direction, startedAt: r.started_at }));
}
