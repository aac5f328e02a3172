import { ALEMBIC_LEGACY_REVISION, runAlembicOk } from '../../../test/helpers/alembic.js';
import { seedDemoTracks } from '../../../src/demo/seedDemo.js';
import { ensureDatabaseExists } from '../../../src/schema/migrator.js';
import { createPool, urlForDatabase } from '../../../src/shared/db/pool.js';
import { dropBenchDatabase, quoteName } from '../benchDatabase.js';

/**
 * The library every round starts from, seeded once: the application's legacy schema as its own Alembic
 * project creates it (revision 2023_12_20_001: the tracks table with its legacy blob, its own artist index and
 * columns) holding N legacy tracks, vacuumed and analysed. Each round upgrades a file copy of it.
 */
export async function buildTemplate(serverUrl: string, name: string, tracks: number, say: (line: string) => void): Promise<void> {
  await dropBenchDatabase(serverUrl, name);
  const url = urlForDatabase(serverUrl, name);
  await ensureDatabaseExists(url);
  await runAlembicOk(url, ['upgrade', ALEMBIC_LEGACY_REVISION]);
  const pool = createPool(url, { applicationName: 'tracktion-migrate bench', max: 2 });
  try {
    let lastSaid = 0;
    await seedDemoTracks(pool, tracks, (done) => {
      if (done - lastSaid >= 500_000 || done === tracks) {
        lastSaid = done;
        say(`seeded ${done}/${tracks} legacy tracks`);
      }
    });
    // Alembic's Integer key is a serial: move its sequence past the seeded ids, as the application's inserts would.
    await pool.query(`SELECT setval(pg_get_serial_sequence('tracks', 'id'), (SELECT max(id) FROM tracks))`);
    await pool.query('VACUUM (ANALYZE) tracks');
  } finally {
    await pool.end();
  }
}

/**
 * A fresh copy of the template. FILE_COPY copies the files after a checkpoint instead of writing every page
 * to the WAL (PostgreSQL 15's default): seconds instead of minutes at 1M tracks, and no WAL of the copy in the
 * round's figures. A CHECKPOINT afterwards starts every round from the same clean state.
 */
export async function copyTemplate(serverUrl: string, template: string, name: string): Promise<string> {
  await dropBenchDatabase(serverUrl, name);
  const admin = createPool(urlForDatabase(serverUrl, 'postgres'), { applicationName: 'tracktion-migrate bench', max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${quoteName(name)} TEMPLATE ${quoteName(template)} STRATEGY FILE_COPY`);
    await admin.query('CHECKPOINT').catch(() => undefined);
  } finally {
    await admin.end();
  }
  return urlForDatabase(serverUrl, name);
}
