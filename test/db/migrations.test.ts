import { expect } from 'chai';
import { migrate, rollback, migrationStatus } from '../../src/schema/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, BASELINE, catalogSnapshot, silentLogger, sql, type CatalogSnapshot } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

describe('db migrations: up, down, up', function () {
  let db: TestDatabase;
  let empty: CatalogSnapshot;
  let baseline: CatalogSnapshot;
  let analysis: CatalogSnapshot;

  before(async function () {
    db = await createTestDatabase('tm_db_mig');
    empty = await catalogSnapshot(db.url);
  });
  after(async () => db.drop());

  it('applies the baseline and the analysis fields, each leaving the specified schema', async function () {
    const first = await migrate(db.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
    expect(first.done).to.deep.equal([BASELINE]);
    baseline = await catalogSnapshot(db.url);
    expect(baseline.relations).to.deep.include({ name: 'tracks', kind: 'r', comment: 'Tracktion library: one row per audio file (created by migration Baseline1732500000000)' });

    const second = await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    expect(second.done).to.deep.equal([ANALYSIS_FIELDS]);
    analysis = await catalogSnapshot(db.url);
    const indexNames = analysis.indexes.map((i) => (i as { name: string }).name);
    expect(indexNames).to.include.members([
      'ix_tracks_energy_level', 'ix_tracks_danceability', 'ix_tracks_analysis_version', 'ix_tracks_energy_dance_valence',
      'ix_analysis_history_track_id', 'ix_analysis_history_type_version', 'uq_analysis_history_track_type_version',
    ]);
    expect(analysis.indexes.every((i) => (i as { valid: boolean }).valid)).to.equal(true);
    expect(analysis.constraints.every((c) => (c as { validated: boolean }).validated)).to.equal(true);
    expect(analysis.columns).to.deep.include({ table: 'tracks', name: 'valence', type: 'double precision', not_null: false, default: null, comment: 'Musical positivity 0.0-1.0' });
  });

  it('rolls the analysis fields back to exactly the baseline schema, and re-applies to exactly the same schema', async function () {
    const down = await rollback(db.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
    expect(down.done).to.deep.equal([ANALYSIS_FIELDS]);
    expect(await catalogSnapshot(db.url)).to.deep.equal(baseline);
    await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    expect(await catalogSnapshot(db.url)).to.deep.equal(analysis);
  });

  it('rolls everything back to an empty database, and up again to the same schema', async function () {
    await rollback(db.url, { revisions: allMigrations, to: 'base', logger: silentLogger });
    expect(await catalogSnapshot(db.url)).to.deep.equal(empty);
    expect((await migrationStatus(db.url, allMigrations, silentLogger)).applied).to.deep.equal([]);
    await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    expect(await catalogSnapshot(db.url)).to.deep.equal(analysis);
  });

  it('running migrate twice is a no-op', async function () {
    await migrate(db.url, { revisions: allMigrations, logger: silentLogger });
    const before = await catalogSnapshot(db.url);
    const rows = (await sql(db.url, 'SELECT count(*)::int AS n FROM tracktion_migrations')).rows[0].n;
    const again = await migrate(db.url, { revisions: allMigrations, logger: silentLogger });
    expect(again.done).to.deep.equal([]);
    expect(again.path.direction).to.equal('none');
    expect(await catalogSnapshot(db.url)).to.deep.equal(before);
    expect((await sql(db.url, 'SELECT count(*)::int AS n FROM tracktion_migrations')).rows[0].n).to.equal(rows);
  });

  it('refuses an unknown target revision with the list of known ones', async function () {
    const err = await migrate(db.url, { revisions: allMigrations, to: 'NoSuchRevision', logger: silentLogger }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.match(/unknown revision "NoSuchRevision" — known revisions: base, Baseline1732500000000, AnalysisFields1732500001000/);
  });
});

describe('db migrations: an existing library is adopted', function () {
  let db: TestDatabase;

  before(async function () {
    db = await createTestDatabase('tm_db_adopt');
    await sql(db.url, `CREATE TABLE tracks (id integer PRIMARY KEY, file_path text NOT NULL, analysis_data text, created_at timestamp NOT NULL)`);
    await sql(db.url, `INSERT INTO tracks SELECT g, 'file-' || g, '{"energy": 0.5}', now() FROM generate_series(1, 100) g`);
  });
  after(async () => db.drop());

  it('keeps the legacy tracks table and its rows through up and a full rollback', async function () {
    const before = await catalogSnapshot(db.url);
    await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    await rollback(db.url, { revisions: allMigrations, to: 'base', logger: silentLogger });
    expect(await catalogSnapshot(db.url)).to.deep.equal(before);
    expect((await sql(db.url, 'SELECT count(*)::int AS n FROM tracks')).rows[0].n).to.equal(100);
  });

  it('never drops a baseline-created tracks table that holds rows', async function () {
    const fresh = await createTestDatabase('tm_db_refuse');
    try {
      await migrate(fresh.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
      await sql(fresh.url, `INSERT INTO tracks VALUES (1, 'a', NULL, now())`);
      const err = await rollback(fresh.url, { revisions: allMigrations, to: 'base', logger: silentLogger }).catch((e: unknown) => e);
      expect((err as Error).message).to.match(/tracks holds library data/).and.match(/applied: Baseline1732500000000/);
      expect((await sql(fresh.url, 'SELECT count(*)::int AS n FROM tracks')).rows[0].n).to.equal(1);
    } finally {
      await fresh.drop();
    }
  });
});
