import pg from 'pg';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { ALEMBIC_LEGACY_REVISION, runAlembicOk } from './alembic.js';

/**
 * Libraries in each state a real one can be in when the tool first meets it, built the way real ones are:
 * the old Tracktion's table by plain SQL, the application's Alembic-managed ones by the real Alembic
 * (test/fixtures/alembic). None is built by the tool itself, so a tool that only knows its own
 * shapes fails here. Each is then seeded with the demo's legacy tracks (src/demo/seedDemo.ts).
 */
export const LIBRARY_STATES = ['legacy', 'legacy-other-types', 'alembic-before', 'alembic-after'] as const;
export type LibraryState = (typeof LIBRARY_STATES)[number];

/**
 * The old Tracktion's table, written here rather than taken from the Baseline revision: the fixture
 * stands for a library the tool did not create, so it must not change when the revision does.
 */
const LEGACY_TRACKS_SQL = `
  CREATE TABLE tracks (
    id integer PRIMARY KEY,
    file_path text NOT NULL,
    analysis_data text NULL,
    created_at timestamp NOT NULL
  )`;

/** The same table as another deployment typed it, with the application's own columns and index. */
const LEGACY_OTHER_TYPES_SQL = [
  `CREATE TABLE tracks (
    id bigint PRIMARY KEY,
    file_path varchar(1000) NOT NULL,
    title text NULL,
    artist text NULL,
    play_count int NOT NULL DEFAULT 0,
    analysis_data text NULL,
    created_at timestamptz NOT NULL
  )`,
  'CREATE INDEX ix_tracks_artist ON tracks (artist)',
];

/** Create the library's schema in an empty database, then seed `tracks` legacy tracks. */
export async function buildLibrary(databaseUrl: string, state: LibraryState, options: { tracks: number }): Promise<void> {
  await createSchema(databaseUrl, state);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await seedDemoTracks(pool, options.tracks);
    // The seed writes its own ids; where id is a serial (Alembic's Integer primary key), move the sequence
    // past them as the application's own inserts would have (NULL, and nothing done, for a plain key).
    await pool.query(`SELECT setval(pg_get_serial_sequence('tracks', 'id'), (SELECT max(id) FROM tracks))`);
  } finally {
    await pool.end();
  }
}

async function createSchema(databaseUrl: string, state: LibraryState): Promise<void> {
  switch (state) {
    case 'legacy':
      return runSql(databaseUrl, [LEGACY_TRACKS_SQL]);
    case 'legacy-other-types':
      return runSql(databaseUrl, LEGACY_OTHER_TYPES_SQL);
    case 'alembic-before':
      await runAlembicOk(databaseUrl, ['upgrade', ALEMBIC_LEGACY_REVISION]);
      return;
    case 'alembic-after':
      // The application's analysis-fields revision applied by Alembic: its own index and constraint names,
      // an unnamed foreign key (PostgreSQL names it analysis_history_track_id_fkey), no unique key on history.
      await runAlembicOk(databaseUrl, ['upgrade', 'head']);
      return;
  }
}

async function runSql(databaseUrl: string, statements: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}
