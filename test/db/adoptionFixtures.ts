import { sql } from './catalog.js';

/**
 * Libraries the tool did not create, built with plain SQL (fast; the Alembic-built ones are in
 * test/helpers/libraryFixtures.ts): an application's own legacy table with other column types and columns of
 * its own, and the objects the application's Alembic revision 2024_01_15_001 creates — its foreign key under
 * PostgreSQL's default name, no unique key on the history.
 */

export const APPLICATION_TRACKS_SQL = `
  CREATE TABLE tracks (
    id bigserial PRIMARY KEY,
    file_path varchar(1000) NOT NULL,
    analysis_data text,
    created_at timestamptz NOT NULL DEFAULT now(),
    title varchar(255),
    play_count integer NOT NULL DEFAULT 0
  );
  CREATE INDEX ix_tracks_title ON tracks (title);
  INSERT INTO tracks (file_path, analysis_data, title)
  SELECT '/music/' || g || '.flac', json_build_object('energy', (g % 10) / 10.0, 'danceability', 0.5, 'version', '1.0')::text, 'song ' || g
  FROM generate_series(1, 200) g`;

/** What the source document's Alembic upgrade() leaves: every object but the unique key, its FK named by PostgreSQL. */
export const ALEMBIC_UPGRADE_SQL = `
  ALTER TABLE tracks ADD COLUMN energy_level float, ADD COLUMN danceability float, ADD COLUMN valence float,
    ADD COLUMN acousticness float, ADD COLUMN instrumentalness float, ADD COLUMN analysis_version varchar(20),
    ADD COLUMN analysis_metadata jsonb;
  COMMENT ON COLUMN tracks.energy_level IS 'Energy level 0.0-1.0';
  COMMENT ON COLUMN tracks.danceability IS 'Danceability score 0.0-1.0';
  COMMENT ON COLUMN tracks.valence IS 'Musical positivity 0.0-1.0';
  COMMENT ON COLUMN tracks.acousticness IS 'Acoustic confidence 0.0-1.0';
  COMMENT ON COLUMN tracks.instrumentalness IS 'Instrumental confidence 0.0-1.0';
  COMMENT ON COLUMN tracks.analysis_version IS 'Analysis algorithm version';
  COMMENT ON COLUMN tracks.analysis_metadata IS 'Additional analysis data';
  CREATE TABLE analysis_history (
    id serial PRIMARY KEY, track_id integer NOT NULL REFERENCES tracks (id), analysis_type varchar(50) NOT NULL,
    analysis_version varchar(20) NOT NULL, results jsonb NOT NULL, confidence_score float, processing_time_ms integer,
    created_at timestamp NOT NULL, created_by varchar(100));
  CREATE INDEX ix_tracks_energy_level ON tracks (energy_level);
  CREATE INDEX ix_tracks_danceability ON tracks (danceability);
  CREATE INDEX ix_tracks_analysis_version ON tracks (analysis_version);
  CREATE INDEX ix_analysis_history_track_id ON analysis_history (track_id);
  CREATE INDEX ix_analysis_history_type_version ON analysis_history (analysis_type, analysis_version);
  CREATE INDEX ix_tracks_energy_dance_valence ON tracks (energy_level, danceability, valence);
  ALTER TABLE tracks ADD CONSTRAINT ck_tracks_energy_range CHECK (energy_level >= 0.0 AND energy_level <= 1.0);
  ALTER TABLE tracks ADD CONSTRAINT ck_tracks_danceability_range CHECK (danceability >= 0.0 AND danceability <= 1.0)`;

export async function buildApplicationLibrary(url: string, alembic: 'before' | 'after'): Promise<void> {
  await sql(url, APPLICATION_TRACKS_SQL);
  await sql(url, `CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
    INSERT INTO alembic_version VALUES ('${alembic === 'before' ? '2023_12_20_001' : '2024_01_15_001'}')`);
  if (alembic === 'after') await sql(url, ALEMBIC_UPGRADE_SQL);
}
