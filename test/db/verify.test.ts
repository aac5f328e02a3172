import { expect } from 'chai';
import { migrate } from '../../src/schema/migrator.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, silentLogger, sql } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

interface VerifyJson {
  ok: boolean;
  checks: { area: string; name: string; status: string; detail: string; numbers: Record<string, number> }[];
}

describe('db verify', function () {
  let db: TestDatabase;

  before(async function () {
    db = await createTestDatabase('tm_db_verify');
    await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    await sql(db.url, `INSERT INTO tracks (id, file_path, analysis_data, created_at) SELECT g, 'f' || g, '{}', now() FROM generate_series(1, 10) g`);
  });
  after(async () => db.drop());

  it('passes on a migrated database before any backfill, reporting counts', async function () {
    const result = await runCli(['db', 'verify', '--json'], { env: testEnv({ DATABASE_URL: db.url }) });
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout) as VerifyJson;
    expect(report.ok).to.equal(true);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['tracks']).to.include({ status: 'INFO' });
    expect(byName['tracks']?.numbers).to.deep.equal({ tracks: 10, legacy: 10 });
    expect(byName['analysis fields populated']).to.include({ status: 'INFO', detail: '0 of 10 tracks' });
    expect(byName['analysis_history rows']).to.include({ status: 'INFO' });
    expect(byName['index ix_tracks_energy_dance_valence']).to.include({ status: 'PASS' });
    expect(byName['constraint fk_analysis_history_track']).to.include({ status: 'PASS', detail: 'foreign key on analysis_history (track_id), validated' });
  });

  it('fails (exit 1) on a valence outside [0, 1] — a column without a check constraint', async function () {
    await sql(db.url, 'UPDATE tracks SET valence = 1.5 WHERE id = 3');
    const result = await runCli(['db', 'verify'], { env: testEnv({ DATABASE_URL: db.url }) });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/^FAIL +data +scores within \[0, 1\]: 1 values outside \[0, 1\]: .*valence 1/m);
    expect(result.stdout).to.match(/^1 check\(s\) FAILED$/m);
    expect(result.stderr).to.include('verification failed: 1 check(s) FAIL');
  });

  it('fails when a constraint is NOT VALID', async function () {
    await sql(db.url, 'UPDATE tracks SET valence = NULL');
    await sql(db.url, 'ALTER TABLE tracks DROP CONSTRAINT ck_tracks_energy_range');
    await sql(db.url, 'ALTER TABLE tracks ADD CONSTRAINT ck_tracks_energy_range CHECK (energy_level >= 0 AND energy_level <= 1) NOT VALID');
    const result = await runCli(['db', 'verify'], { env: testEnv({ DATABASE_URL: db.url }) });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/^FAIL +schema +constraint ck_tracks_energy_range: check on tracks \(energy_level\) is NOT VALID/m);
  });
});
