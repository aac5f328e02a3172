import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runSteps, type Probe, type Step } from '../src/schema/steps.js';

/**
 * Analysis fields: typed analysis columns on `tracks`, the `analysis_history` table, six indexes, two
 * range checks and the unique key the backfill relies on to write each track exactly once.
 *
 * Online-safe on a large, busy `tracks`: one short ALTER for all columns (nullable, no default: a catalog
 * change, no rewrite); constraints added NOT VALID (a moment's lock) and validated in a separate step
 * (a scan that does not block writers); indexes built CONCURRENTLY. Runs outside a transaction, step by
 * step; every step is idempotent, so a revision stopped half-way is finished by running it again.
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
      skipWhen: constraintExists(FK_NAME, 'analysis_history'),
      lintIgnore: { rule: 'prefer-robust-stmts', reason: NOT_VALID_GUARDED },
    },
    {
      title: `validate foreign key ${FK_NAME}`,
      kind: 'online',
      table: 'analysis_history',
      sql: `ALTER TABLE analysis_history VALIDATE CONSTRAINT ${FK_NAME}`,
      lintIgnore: { rule: 'prefer-robust-stmts', reason: VALIDATE_IS_IDEMPOTENT },
    },
  ];
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
  }));
}

export const ANALYSIS_FIELDS_UP: readonly Step[] = [
  addColumns(),
  ...commentColumns(),
  CREATE_HISTORY,
  ...foreignKey(),
  ...rangeChecks(),
  ...indexes(),
];

/** Exactly what `up` added, in reverse order. Column comments go with their columns. */
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
];

export class AnalysisFields1732500001000 implements MigrationInterface {
  name = REVISION;
  // CREATE INDEX CONCURRENTLY cannot run in a transaction, and one transaction would hold every lock to the end.
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await runSteps(queryRunner, REVISION, ANALYSIS_FIELDS_UP);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runSteps(queryRunner, REVISION, ANALYSIS_FIELDS_DOWN);
  }
}
