import { expect } from 'chai';
import { migrate } from '../../src/schema/migrator.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { buildLibrary } from '../helpers/libraryFixtures.js';
import { ANALYSIS_FIELDS, silentLogger, sql } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * Libraries the tool did not create, built by the application's own Alembic (test/fixtures/alembic): its legacy
 * table (other column types, columns of its own) and its upgrade already applied. `db migrate` adopts what
 * exists and adds what is missing.
 */

interface StatusJson {
  current: string | null;
  library: { state: string; alembicVersion: string | null; missing: string[]; invalid: string[]; adopted: { expected: string; found: string }[]; duplicateHistoryRows: number };
}

const FOREIGN_KEYS_SQL = `SELECT conname FROM pg_constraint WHERE conrelid = 'analysis_history'::regclass AND contype = 'f' ORDER BY conname`;

async function status(url: string): Promise<StatusJson> {
  const result = await runCli(['db', 'status', '--json'], { env: testEnv({ DATABASE_URL: url }) });
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout) as StatusJson;
}

async function cli(url: string, args: string[]) {
  return runCli(['db', ...args], { env: testEnv({ DATABASE_URL: url }) });
}

describe('db migrate adopts a library upgraded by the application\'s Alembic revision', function () {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('tm_adopt_alembic');
    await buildLibrary(db.url, 'alembic-after', { tracks: 200 });
  });
  after(async () => db.drop());

  it('db status names the state: partly upgraded, the unique key missing, Alembic\'s foreign key adopted', async function () {
    const s = await status(db.url);
    expect(s.library.state).to.equal('partly-upgraded');
    expect(s.library.alembicVersion).to.equal('2024_01_15_001');
    expect(s.library.missing).to.deep.equal(['uq_analysis_history_track_type_version']);
    expect(s.library.adopted).to.deep.equal([{ expected: 'fk_analysis_history_track', found: 'analysis_history_track_id_fkey' }]);
    const text = await cli(db.url, ['status']);
    expect(text.stdout).to.match(/library: partly upgraded; Alembic revision 2024_01_15_001/);
    expect(text.stdout).to.match(/db migrate will add what is missing: uq_analysis_history_track_type_version/);
  });

  it('builds the unique key, adds no second foreign key, and verifies', async function () {
    const result = await cli(db.url, ['migrate', '--no-backup']);
    expect(result.code, result.stderr).to.equal(0);
    expect((await sql(db.url, FOREIGN_KEYS_SQL)).rows.map((r: { conname: string }) => r.conname)).to.deep.equal(['analysis_history_track_id_fkey']);
    const s = await status(db.url);
    expect(s.library.state).to.equal('upgraded');
    expect(s.library.alembicVersion).to.equal('2024_01_15_001');
    const verify = await cli(db.url, ['verify']);
    expect(verify.code, verify.stdout).to.equal(0);
    expect(verify.stdout).to.match(/PASS {2}schema {2}constraint fk_analysis_history_track: foreign key on analysis_history \(track_id\) as analysis_history_track_id_fkey, validated/);
    expect(verify.stdout).to.match(/PASS {2}schema {2}table tracks: 11\/11 columns as specified \(legacy ones: a type the backfill can read\); 4 other column\(s\), left to the application/);
  });
});

describe('db migrate on a legacy library of the application\'s (Alembic before the upgrade)', function () {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('tm_adopt_before');
    await buildLibrary(db.url, 'alembic-before', { tracks: 200 });
  });
  after(async () => db.drop());

  it('is legacy in db status; migrate moves alembic_version to the upgrade\'s revision; rollback moves it back', async function () {
    const before = await status(db.url);
    expect(before.library).to.include({ state: 'legacy', alembicVersion: '2023_12_20_001' });
    expect((await cli(db.url, ['migrate', '--no-backup'])).code).to.equal(0);
    expect((await status(db.url)).library).to.include({ state: 'upgraded', alembicVersion: '2024_01_15_001' });
    const verify = await cli(db.url, ['verify']);
    expect(verify.code, verify.stdout).to.equal(0);
    const rollback = await cli(db.url, ['rollback', '--to', 'Baseline', '--no-backup']);
    expect(rollback.code, rollback.stderr).to.equal(0);
    expect((await status(db.url)).library).to.include({ state: 'legacy', alembicVersion: '2023_12_20_001' });
  });
});

describe('history rows in the way of the unique key', function () {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('tm_adopt_dupes');
    await buildLibrary(db.url, 'alembic-after', { tracks: 200 });
    // The application wrote track 7's and track 9's analysis twice.
    await sql(db.url, `INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results, created_at)
      SELECT t, 'full_analysis', '1.0', '{}', now() FROM (VALUES (7), (7), (7), (9), (9), (11)) v(t)`);
  });
  after(async () => db.drop());

  it('stop db migrate before anything changes, naming count, sample ids and the command that resolves them', async function () {
    expect((await status(db.url)).library.duplicateHistoryRows).to.equal(3);
    const result = await cli(db.url, ['migrate', '--no-backup']);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.match(/3 duplicate row\(s\) over 2 \(track_id, analysis_type, analysis_version\) key\(s\) \(track ids 7, 9\)/);
    expect(result.stderr).to.match(/tracktion-migrate db dedupe-history --yes/);
    const s = await status(db.url);
    expect(s.current).to.equal(null);
    expect(s.library.missing).to.deep.equal(['uq_analysis_history_track_type_version']);
  });

  it('are previewed, then deleted keeping the newest row of each key; db migrate then succeeds', async function () {
    const preview = await cli(db.url, ['dedupe-history']);
    expect(preview.code, preview.stderr).to.equal(0);
    expect(preview.stderr).to.match(/would delete 3 older row\(s\) over 2 duplicated key\(s\)/);
    expect((await sql(db.url, 'SELECT count(*)::int AS n FROM analysis_history')).rows[0]).to.deep.equal({ n: 6 });
    const newest = (await sql(db.url, 'SELECT max(id) AS id FROM analysis_history WHERE track_id = 7')).rows[0] as { id: number };
    const done = await cli(db.url, ['dedupe-history', '--yes', '--no-backup']);
    expect(done.code, done.stderr).to.equal(0);
    expect((await sql(db.url, 'SELECT id FROM analysis_history WHERE track_id = 7')).rows).to.deep.equal([{ id: newest.id }]);
    expect((await sql(db.url, 'SELECT count(*)::int AS n FROM analysis_history')).rows[0]).to.deep.equal({ n: 3 });
    const migrated = await cli(db.url, ['migrate', '--no-backup']);
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect((await status(db.url)).library.state).to.equal('upgraded');
  });
});

describe('a library an older version of the tool migrated over the Alembic upgrade', function () {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('tm_adopt_repair');
    await buildLibrary(db.url, 'alembic-after', { tracks: 200 });
    await migrate(db.url, { revisions: allMigrations, to: 'LedgerStateChecks', logger: silentLogger });
    // What that older version left: its own second foreign key, no unique key, alembic_version untouched.
    await sql(db.url, `ALTER TABLE analysis_history DROP CONSTRAINT uq_analysis_history_track_type_version;
      ALTER TABLE analysis_history ADD CONSTRAINT fk_analysis_history_track FOREIGN KEY (track_id) REFERENCES tracks (id);
      UPDATE alembic_version SET version_num = '2023_12_20_001'`);
  });
  after(async () => db.drop());

  it('is repaired by the next db migrate: the unique key built, one foreign key left, alembic_version moved', async function () {
    const result = await cli(db.url, ['migrate', '--no-backup']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/HistoryKeyRepair1732500010000/);
    expect((await sql(db.url, FOREIGN_KEYS_SQL)).rows.map((r: { conname: string }) => r.conname)).to.deep.equal(['analysis_history_track_id_fkey']);
    expect((await status(db.url)).library).to.include({ state: 'upgraded', alembicVersion: '2024_01_15_001' });
  });
});

describe('db verify on a library with other legacy types', function () {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('tm_adopt_verify');
    await buildLibrary(db.url, 'alembic-before', { tracks: 200 });
    await migrate(db.url, { revisions: allMigrations, logger: silentLogger });
  });
  after(async () => db.drop());

  it('passes: varchar, timestamptz, bigint and the application\'s columns are read as they are', async function () {
    const result = await cli(db.url, ['verify']);
    expect(result.code, result.stdout).to.equal(0);
  });

  it('a schema FAIL does not skip the data checks', async function () {
    await sql(db.url, 'DROP INDEX ix_tracks_danceability; UPDATE tracks SET valence = 1.5 WHERE id = 3');
    const result = await cli(db.url, ['verify', '--json']);
    expect(result.code).to.equal(1);
    const checks = (JSON.parse(result.stdout) as { checks: { name: string; status: string }[] }).checks;
    expect(checks.find((c) => c.name === 'index ix_tracks_danceability')?.status).to.equal('FAIL');
    expect(checks.find((c) => c.name === 'scores within [0, 1]')?.status).to.equal('FAIL');
  });

  it('names what the data checks would read when it is missing', async function () {
    await sql(db.url, 'ALTER TABLE tracks DROP COLUMN valence');
    const result = await cli(db.url, ['verify', '--json']);
    const checks = (JSON.parse(result.stdout) as { checks: { name: string; status: string; detail: string }[] }).checks;
    expect(checks.find((c) => c.name === 'data checks')).to.include({ status: 'INFO', detail: 'skipped: they read tracks.valence, which is missing' });
  });
});

describe('a text column the backfill cannot read', function () {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('tm_adopt_jsonb');
    await sql(db.url, 'CREATE TABLE tracks (id integer PRIMARY KEY, file_path text NOT NULL, analysis_data jsonb, created_at timestamp NOT NULL)');
    await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
  });
  after(async () => db.drop());

  it('fails db verify naming the type, and db status says so', async function () {
    const result = await cli(db.url, ['verify']);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/analysis_data: type jsonb, which the backfill cannot read/);
    const text = await cli(db.url, ['status']);
    expect(text.stdout).to.match(/note: tracks.analysis_data is jsonb, which the backfill cannot read/);
  });
});
