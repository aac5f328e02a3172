import type { Probe, Step } from './steps.js';

/**
 * Interop with the application's own schema history: a Tracktion library is managed by Alembic, whose
 * `alembic_version` table holds one revision id. The analysis fields are the application's Alembic revision
 * `2024_01_15_001` (revises `2023_12_20_001`). When this tool applies them, Alembic must see its revision as
 * applied — else the application's next `alembic upgrade head` adds the same columns again and fails — and when
 * this tool reverts them, Alembic must see the revision before, so that `alembic upgrade head` can apply it.
 * Any other value is left as it is: only the application knows its own revision graph.
 */

export const ALEMBIC_BEFORE_ANALYSIS = '2023_12_20_001';
export const ALEMBIC_ANALYSIS_REVISION = '2024_01_15_001';

const NO_ALEMBIC: Probe = {
  sql: `SELECT 1 WHERE to_regclass('alembic_version') IS NULL`,
  params: [],
  describe: 'the library has no alembic_version table (not managed by Alembic)',
};

/** The step that moves alembic_version from one revision id to the other, if it holds the first. */
function moveAlembicVersion(from: string, to: string): Step {
  return {
    title: `set the application's Alembic revision to ${to} (when at ${from})`,
    kind: 'online',
    table: 'alembic_version',
    // Both ids are the constants above; a step is one statement without bind parameters.
    sql: `UPDATE alembic_version SET version_num = '${to}' WHERE version_num = '${from}'`,
    skipWhen: NO_ALEMBIC,
  };
}

/** Last step of applying the analysis fields. */
export const ALEMBIC_AFTER_ANALYSIS_UP = moveAlembicVersion(ALEMBIC_BEFORE_ANALYSIS, ALEMBIC_ANALYSIS_REVISION);
/** Last step of reverting them. */
export const ALEMBIC_AFTER_ANALYSIS_DOWN = moveAlembicVersion(ALEMBIC_ANALYSIS_REVISION, ALEMBIC_BEFORE_ANALYSIS);

type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** The revision id in alembic_version, or null when the library has none (asked in two steps: the table may not exist). */
export async function alembicVersion(query: Query): Promise<string | null> {
  const [table] = await query(`SELECT to_regclass('alembic_version') IS NOT NULL AS present`, []);
  if (!table?.present) return null;
  const [row] = await query('SELECT version_num FROM alembic_version LIMIT 1', []);
  return typeof row?.version_num === 'string' ? row.version_num : null;
}
