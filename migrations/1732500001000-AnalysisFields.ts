import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ALEMBIC_AFTER_ANALYSIS_DOWN, ALEMBIC_AFTER_ANALYSIS_UP } from '../src/schema/alembic.js';
import type { DeferrableStep } from '../src/schema/deferredIndexes.js';
import { RefusedError } from '../src/schema/errors.js';
import { describeDuplicates, findHistoryDuplicates } from '../src/schema/historyDuplicates.js';
import { runSteps, stepContextOf, type Probe, type Step } from '../src/schema/steps.js';

/**
 * Analysis fields: typed analysis columns on `tracks`, the `analysis_history` table, six indexes, two
 * range checks and the unique key the backfill relies on to write each track exactly once.
 *
 * Online-safe on a large, busy `tracks`: one short ALTER for all columns (nullable, no default: a catalog
 * change, no rewrite); constraints added NOT VALID (a moment's lock) and validated in a separate step
 * (a scan that does not block writers); indexes built CONCURRENTLY (or, with `db migrate --defer-indexes`, left for `db build-indexes`). Runs outside a transaction, step by
 * step; every step is idempotent, so a revision stopped half-way is finished by running it again.
 *
 * A library upgraded by the application's own Alembic revision (2024_01_15_001) already has the columns, the
 * table, the indexes and the checks, but its foreign key is named analysis_history_track_id_fkey and its history
 * has no unique key. Such a library is adopted: a foreign key of the same shape under any name stands for ours,
 * and the unique key is built as a concurrent unique index attached as the constraint. History rows already in
 * the way of that key stop the revision before its first step. The application's alembic_version follows.
 */

const REVISION = 'AnalysisFields1732500001000';

export const ANALYSIS_COLUMNS = [
  { name: 'energy_level', type: 'double precision', comment: 'Energy level 0.0-1.0' },
  { name: 'danceability', type: 'double precision', comment: 'Danceability score 0.0-1.0' },
  { name: 'valence', type: 'double precision', comment: 'Musical positivity 0.0-1.0' },
  { name: 'acousticness', type: 'double precision', comment: 'Acoustic confidence 0.0-1.0' },
  { name: 'instrumentalness', type: 'double precision', comment: 'Instrumental confidence 0.0-1.0' },
  { name: 'analysis_version', type: 'varchar(20)', comment: 'Analysis algorithm version' },
  { name: 'analysis_metadata', type: 'jsonb', comment: 'Additional analysis data' },
] as const;

export const ANALYSIS_INDEXES = [
  { name: 'ix_tracks_energy_level', table: 'tracks', columns: ['energy_level'] },
  { name: 'ix_tracks_danceability', table: 'tracks', columns: ['danceability'] },
  { name: 'ix_tracks_analysis_version', table: 'tracks', columns: ['analysis_version'] },
  { name: 'ix_tracks_energy_dance_valence', table: 'tracks', columns: ['energy_level', 'danceability', 'valence'] },
  { name: 'ix_analysis_history_track_id', table: 'analysis_history', columns: ['track_id'] },
  { name: 'ix_analysis_history_type_version', table: 'analysis_history', columns: ['analysis_type', 'analysis_version'] },
] as const;

export const RANGE_CHECKS = [
  { name: 'ck_tracks_energy_range', column: 'energy_level' },
  { name: 'ck_tracks_danceability_range', column: 'danceability' },
] as const;

export const FK_NAME = 'fk_analysis_history_track';
export const UNIQUE_NAME = 'uq_analysis_history_track_type_version';

const constraintExists = (name: string, table: string): Probe => ({
  sql: 'SELECT 1 FROM pg_constraint WHERE conname = $1 AND conrelid = to_regclass($2)',
  params: [name, table],
  describe: `constraint ${name} exists (PostgreSQL has no ADD CONSTRAINT IF NOT EXISTS)`,
});

/** Any name: the application's Alembic revision creates it as analysis_history_track_id_fkey. */
const HISTORY_FOREIGN_KEY_EXISTS: Probe = {
  sql: `SELECT 1 FROM pg_constraint
         WHERE conrelid = to_regclass('analysis_history') AND contype = 'f' AND confrelid = to_regclass('tracks')
           AND pg_get_constraintdef(oid) LIKE 'FOREIGN KEY (track_id) REFERENCES tracks(id)%'`,
  params: [],
  describe: 'a foreign key analysis_history (track_id) → tracks (id) exists under any name (Alembic names it analysis_history_track_id_fkey)',
};

const OWN_FOREIGN_KEY_NOT_VALIDATED: Probe = {
  sql: 'SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = $1 AND conrelid = to_regclass($2) AND NOT convalidated)',
  params: [FK_NAME, 'analysis_history'],
  describe: `${FK_NAME} is validated already, or absent because an adopted foreign key stands for it`,
};

const invalidIndex = (name: string): Probe => ({
  sql: 'SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND NOT indisvalid',
  params: [name],
  describe: `index ${name} exists but is INVALID (left by an interrupted concurrent build)`,
});

const NOT_VALID_GUARDED = 're-runnable: the catalog probe above skips it once the constraint exists';
const VALIDATE_IS_IDEMPOTENT = 'VALIDATE CONSTRAINT of a constraint that is already valid does nothing';

function addColumns(): Step {
  const adds = ANALYSIS_COLUMNS.map((c) => `ADD COLUMN IF NOT EXISTS ${c.name} ${c.type}`).join(',\n  ');
  return { title: 'add analysis columns to tracks', kind: 'blocking', table: 'tracks', sql: `ALTER TABLE tracks\n  ${adds}` };
}

function commentColumns(): Step[] {
  // COMMENT takes no bind parameters; the texts are the constants above and contain no quote.
  return ANALYSIS_COLUMNS.map((c) => ({
    title: `comment tracks.${c.name}`,
    kind: 'online' as const,
    table: 'tracks',
    sql: `COMMENT ON COLUMN tracks.${c.name} IS '${c.comment}'`,
  }));
}

const CREATE_HISTORY: Step = {
  title: 'create table analysis_history',
  kind: 'online',
  table: 'analysis_history',
  sql: `CREATE TABLE IF NOT EXISTS analysis_history (
  id serial PRIMARY KEY,
  track_id integer NOT NULL,
  analysis_type varchar(50) NOT NULL,
  analysis_version varchar(20) NOT NULL,
  results jsonb NOT NULL,
  confidence_score double precision,
  processing_time_ms integer,
  created_at timestamp NOT NULL DEFAULT now(),
  created_by varchar(100),
  CONSTRAINT ${UNIQUE_NAME} UNIQUE (track_id, analysis_type, analysis_version)
)`,
};

function foreignKey(): Step[] {
  return [
    {
      title: `add foreign key ${FK_NAME} NOT VALID`,
      kind: 'blocking',
      table: 'tracks',
      sql: `ALTER TABLE analysis_history ADD CONSTRAINT ${FK_NAME} FOREIGN KEY (track_id) REFERENCES tracks (id) NOT VALID`,
      skipWhen: HISTORY_FOREIGN_KEY_EXISTS,
      lintIgnore: { rule: 'prefer-robust-stmts', reason: NOT_VALID_GUARDED },
    },
    {
      title: `validate foreign key ${FK_NAME}`,
      kind: 'online',
      table: 'analysis_history',
      sql: `ALTER TABLE analysis_history VALIDATE CONSTRAINT ${FK_NAME}`,
      skipWhen: OWN_FOREIGN_KEY_NOT_VALIDATED,
      lintIgnore: { rule: 'prefer-robust-stmts', reason: VALIDATE_IS_IDEMPOTENT },
    },
  ];
}

/**
 * The unique key of a history table created without it (an adopted one): built concurrently as a unique index —
 * writers go on — then attached as the constraint, a catalog change under a brief lock. On a table this revision
 * created, the index exists already (the constraint's own) and both steps do nothing.
 */
export function historyUniqueKey(): Step[] {
  return [
    {
      title: `create unique index ${UNIQUE_NAME}`,
      kind: 'concurrent',
      table: 'analysis_history',
      sql: `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${UNIQUE_NAME} ON analysis_history (track_id, analysis_type, analysis_version)`,
      repair: { when: invalidIndex(UNIQUE_NAME), sql: `DROP INDEX CONCURRENTLY IF EXISTS ${UNIQUE_NAME}` },
    },
    {
      title: `attach ${UNIQUE_NAME} as the unique key`,
      kind: 'blocking',
      table: 'analysis_history',
      sql: `ALTER TABLE analysis_history ADD CONSTRAINT ${UNIQUE_NAME} UNIQUE USING INDEX ${UNIQUE_NAME}`,
      skipWhen: constraintExists(UNIQUE_NAME, 'analysis_history'),
      lintIgnore: { rule: 'prefer-robust-stmts', reason: 're-runnable: the catalog probe above skips it once the constraint exists' },
    },
  ];
}

/** Stop before the first step when history rows are in the way of the unique key (plan mode asks nothing). */
export async function refuseDuplicateHistory(queryRunner: QueryRunner): Promise<void> {
  if (stepContextOf(queryRunner).recorder) return;
  const duplicates = await findHistoryDuplicates((sql, params) => queryRunner.query(sql, params) as Promise<Record<string, unknown>[]>);
  if (duplicates.keys > 0) throw new RefusedError(describeDuplicates(duplicates));
}

function rangeChecks(): Step[] {
  const add = RANGE_CHECKS.map((c): Step => ({
    title: `add check ${c.name} NOT VALID`,
    kind: 'blocking',
    table: 'tracks',
    sql: `ALTER TABLE tracks ADD CONSTRAINT ${c.name} CHECK (${c.column} >= 0 AND ${c.column} <= 1) NOT VALID`,
    skipWhen: constraintExists(c.name, 'tracks'),
    lintIgnore: { rule: 'prefer-robust-stmts', reason: NOT_VALID_GUARDED },
  }));
  const validate = RANGE_CHECKS.map((c): Step => ({
    title: `validate check ${c.name}`,
    kind: 'online',
    table: 'tracks',
    sql: `ALTER TABLE tracks VALIDATE CONSTRAINT ${c.name}`,
    lintIgnore: { rule: 'prefer-robust-stmts', reason: VALIDATE_IS_IDEMPOTENT },
  }));
  return [...add, ...validate];
}

function indexes(): Step[] {
  return ANALYSIS_INDEXES.map((ix): Step => ({
    title: `create index ${ix.name}`,
    kind: 'concurrent',
    table: ix.table,
    sql: `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${ix.name} ON ${ix.table} (${ix.columns.join(', ')})`,
    repair: { when: invalidIndex(ix.name), sql: `DROP INDEX CONCURRENTLY IF EXISTS ${ix.name}` },
    // Query indexes only: the unique key (the backfill's ON CONFLICT), the keys and the checks are never deferred.
    deferrable: { index: ix.name },
  }));
}

export const ANALYSIS_FIELDS_UP: readonly Step[] = [
  addColumns(),
  ...commentColumns(),
  CREATE_HISTORY,
  ...foreignKey(),
  ...rangeChecks(),
  ...historyUniqueKey(),
  ...indexes(),
  ALEMBIC_AFTER_ANALYSIS_UP,
];

/** The steps `db migrate --defer-indexes` leaves for `db build-indexes` (deferredIndexes.ts). */
export const ANALYSIS_FIELDS_DEFERRABLE: readonly DeferrableStep[] = ANALYSIS_FIELDS_UP.filter((s) => s.deferrable).map((step) => ({ revision: REVISION, step }));

/**
 * Exactly what `up` added, in reverse order, whichever of it exists (every statement is IF EXISTS, so a revision
 * stopped half-way is undone too). Column comments and the unique key go with their column and table.
 */
export const ANALYSIS_FIELDS_DOWN: readonly Step[] = [
  ...[...ANALYSIS_INDEXES].reverse().map((ix): Step => ({
    title: `drop index ${ix.name}`,
    kind: 'concurrent',
    table: ix.table,
    sql: `DROP INDEX CONCURRENTLY IF EXISTS ${ix.name}`,
  })),
  ...[...RANGE_CHECKS].reverse().map((c): Step => ({
    title: `drop check ${c.name}`,
    kind: 'blocking',
    table: 'tracks',
    sql: `ALTER TABLE tracks DROP CONSTRAINT IF EXISTS ${c.name}`,
  })),
  {
    title: `drop foreign key ${FK_NAME}`,
    kind: 'blocking',
    table: 'tracks',
    sql: `ALTER TABLE IF EXISTS analysis_history DROP CONSTRAINT IF EXISTS ${FK_NAME}`,
  },
  { title: 'drop table analysis_history', kind: 'blocking', table: 'analysis_history', sql: 'DROP TABLE IF EXISTS analysis_history' },
  {
    title: 'drop analysis columns of tracks',
    kind: 'blocking',
    table: 'tracks',
    sql: `ALTER TABLE tracks\n  ${[...ANALYSIS_COLUMNS].reverse().map((c) => `DROP COLUMN IF EXISTS ${c.name}`).join(',\n  ')}`,
  },
  ALEMBIC_AFTER_ANALYSIS_DOWN,
];

export class AnalysisFields1732500001000 implements MigrationInterface {
  name = REVISION;
  // CREATE INDEX CONCURRENTLY cannot run in a transaction, and one transaction would hold every lock to the end.
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await refuseDuplicateHistory(queryRunner);
    await runSteps(queryRunner, REVISION, ANALYSIS_FIELDS_UP);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runSteps(queryRunner, REVISION, ANALYSIS_FIELDS_DOWN);
  }
}
