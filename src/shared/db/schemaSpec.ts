/**
 * The schema the revisions must produce, written out independently of the migration code (in the words of the
 * source document) so that `db verify` checks the migrations rather than repeating them. Types are spelled as
 * PostgreSQL's format_type() prints them. Each object names the revision that adds it.
 */

export const BASELINE = 'Baseline1732500000000';
export const ANALYSIS_FIELDS = 'AnalysisFields1732500001000';

/** The key that makes the backfill exactly once: one history row per track, type and version. */
export const HISTORY_UNIQUE_KEY = 'uq_analysis_history_track_type_version';

export interface ColumnSpec {
  revision: string;
  table: string;
  name: string;
  type: string;
  nullable: boolean;
  comment?: string;
  /**
   * Legacy columns of an adopted library are judged by compatibility: any type the backfill can read matches,
   * and their nullability and comment are the application's business. Unset: the type must be `type` exactly.
   */
  accepts?: RegExp;
}

export interface IndexSpec {
  revision: string;
  table: string;
  name: string;
  columns: string[];
}

export interface ConstraintSpec {
  revision: string;
  table: string;
  /** Undefined for the primary key of an adopted `tracks`, whose name we do not choose. */
  name?: string;
  /** pg_constraint.contype: c check, f foreign key, u unique, p primary key. */
  type: 'c' | 'f' | 'u' | 'p';
  columns: string[];
  /** One of the same type and columns under another name stands for it (an adopted library's). */
  anyName?: boolean;
}

const DOUBLE = 'double precision';

const col = (revision: string, table: string, name: string, type: string, nullable: boolean, comment?: string): ColumnSpec =>
  ({ revision, table, name, type, nullable, comment });

/** A legacy column: `type` is what the baseline creates, `accepts` what an application's own table may have. */
const legacy = (name: string, type: string, accepts: RegExp): ColumnSpec =>
  ({ revision: BASELINE, table: 'tracks', name, type, nullable: name !== 'id', accepts });

const TEXT_TYPES = /^(text|character varying(\(\d+\))?)$/;

export const COLUMNS: ColumnSpec[] = [
  legacy('id', 'integer', /^(integer|bigint)$/),
  legacy('file_path', 'text', TEXT_TYPES),
  // Read as text: the range query measures it with octet_length().
  legacy('analysis_data', 'text', TEXT_TYPES),
  // Copied into analysis_history.created_at (timestamp): a timestamptz converts on assignment.
  legacy('created_at', 'timestamp without time zone', /^timestamp(\(\d\))? with(out)? time zone$/),
  col(ANALYSIS_FIELDS, 'tracks', 'energy_level', DOUBLE, true, 'Energy level 0.0-1.0'),
  col(ANALYSIS_FIELDS, 'tracks', 'danceability', DOUBLE, true, 'Danceability score 0.0-1.0'),
  col(ANALYSIS_FIELDS, 'tracks', 'valence', DOUBLE, true, 'Musical positivity 0.0-1.0'),
  col(ANALYSIS_FIELDS, 'tracks', 'acousticness', DOUBLE, true, 'Acoustic confidence 0.0-1.0'),
  col(ANALYSIS_FIELDS, 'tracks', 'instrumentalness', DOUBLE, true, 'Instrumental confidence 0.0-1.0'),
  col(ANALYSIS_FIELDS, 'tracks', 'analysis_version', 'character varying(20)', true, 'Analysis algorithm version'),
  col(ANALYSIS_FIELDS, 'tracks', 'analysis_metadata', 'jsonb', true, 'Additional analysis data'),
  col(ANALYSIS_FIELDS, 'analysis_history', 'id', 'integer', false),
  col(ANALYSIS_FIELDS, 'analysis_history', 'track_id', 'integer', false),
  col(ANALYSIS_FIELDS, 'analysis_history', 'analysis_type', 'character varying(50)', false),
  col(ANALYSIS_FIELDS, 'analysis_history', 'analysis_version', 'character varying(20)', false),
  col(ANALYSIS_FIELDS, 'analysis_history', 'results', 'jsonb', false),
  col(ANALYSIS_FIELDS, 'analysis_history', 'confidence_score', DOUBLE, true),
  col(ANALYSIS_FIELDS, 'analysis_history', 'processing_time_ms', 'integer', true),
  col(ANALYSIS_FIELDS, 'analysis_history', 'created_at', 'timestamp without time zone', false),
  col(ANALYSIS_FIELDS, 'analysis_history', 'created_by', 'character varying(100)', true),
];

export const INDEXES: IndexSpec[] = [
  { revision: ANALYSIS_FIELDS, table: 'tracks', name: 'ix_tracks_energy_level', columns: ['energy_level'] },
  { revision: ANALYSIS_FIELDS, table: 'tracks', name: 'ix_tracks_danceability', columns: ['danceability'] },
  { revision: ANALYSIS_FIELDS, table: 'tracks', name: 'ix_tracks_analysis_version', columns: ['analysis_version'] },
  { revision: ANALYSIS_FIELDS, table: 'tracks', name: 'ix_tracks_energy_dance_valence', columns: ['energy_level', 'danceability', 'valence'] },
  { revision: ANALYSIS_FIELDS, table: 'analysis_history', name: 'ix_analysis_history_track_id', columns: ['track_id'] },
  { revision: ANALYSIS_FIELDS, table: 'analysis_history', name: 'ix_analysis_history_type_version', columns: ['analysis_type', 'analysis_version'] },
];

export const CONSTRAINTS: ConstraintSpec[] = [
  { revision: BASELINE, table: 'tracks', type: 'p', columns: ['id'] },
  { revision: ANALYSIS_FIELDS, table: 'tracks', name: 'ck_tracks_energy_range', type: 'c', columns: ['energy_level'] },
  { revision: ANALYSIS_FIELDS, table: 'tracks', name: 'ck_tracks_danceability_range', type: 'c', columns: ['danceability'] },
  { revision: ANALYSIS_FIELDS, table: 'analysis_history', type: 'p', columns: ['id'] },
  // Adopted under any name: the application's Alembic revision names it analysis_history_track_id_fkey.
  { revision: ANALYSIS_FIELDS, table: 'analysis_history', name: 'fk_analysis_history_track', type: 'f', columns: ['track_id'], anyName: true },
  {
    revision: ANALYSIS_FIELDS,
    table: 'analysis_history',
    name: HISTORY_UNIQUE_KEY,
    type: 'u',
    columns: ['track_id', 'analysis_type', 'analysis_version'],
  },
];

/** The five scores that must lie in [0, 1] (only two have a check constraint; verify checks all five). */
export const SCORE_COLUMNS = ['energy_level', 'danceability', 'valence', 'acousticness', 'instrumentalness'] as const;

export const TABLES = [...new Set(COLUMNS.map((c) => c.table))];
