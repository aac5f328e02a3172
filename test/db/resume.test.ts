import { expect } from 'chai';
import { ANALYSIS_FIELDS_UP } from '../../migrations/1732500001000-AnalysisFields.js';
import { migrate, migrationStatus } from '../../src/schema/migrator.js';
import { verifyDatabase } from '../../src/schema/verify.js';
import { createPool } from '../../src/shared/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, BASELINE, catalogSnapshot, silentLogger, sql } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * A revision interrupted half-way: the steps up to and including the first concurrent index build ran,
 * another concurrent build died and left an INVALID index behind. `db migrate` must finish the job and
 * leave exactly the schema a clean run leaves.
 */
describe('db migrations: resume after an interrupted run', function () {
  let interrupted: TestDatabase;
  let clean: TestDatabase;

  before(async function () {
    [interrupted, clean] = [await createTestDatabase('tm_db_resume'), await createTestDatabase('tm_db_clean')];
  });
  after(async () => {
    await interrupted.drop();
    await clean.drop();
  });

  it('finishes a revision stopped after a concurrent index build, replacing an INVALID index', async function () {
    await migrate(clean.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    const reference = await catalogSnapshot(clean.url);

    await migrate(interrupted.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
    // Replay the revision's own statements up to the first index build, as a run that was killed there.
    const firstBuild = ANALYSIS_FIELDS_UP.findIndex((s) => s.title === 'create index ix_tracks_energy_level');
    expect(firstBuild).to.be.greaterThan(0);
    for (const step of ANALYSIS_FIELDS_UP.slice(0, firstBuild + 1)) {
      if (step.skipWhen && (await sql(interrupted.url, step.skipWhen.sql, step.skipWhen.params)).rowCount) continue;
      await sql(interrupted.url, step.sql);
    }
    // A concurrent build that failed half-way: PostgreSQL keeps the index, marked INVALID.
    await sql(interrupted.url, `INSERT INTO tracks (id, file_path, created_at, danceability) VALUES (1, 'a', now(), 0.5), (2, 'b', now(), 0.5)`);
    const failed = await sql(interrupted.url, 'CREATE UNIQUE INDEX CONCURRENTLY ix_tracks_danceability ON tracks (danceability)').catch((e: unknown) => e);
    expect((failed as Error).message).to.match(/could not create unique index/);
    await sql(interrupted.url, 'DELETE FROM tracks');
    const invalid = await sql(interrupted.url, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_tracks_danceability'::regclass`);
    expect(invalid.rows[0].indisvalid).to.equal(false);

    const run = await migrate(interrupted.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    expect(run.done).to.deep.equal([ANALYSIS_FIELDS]);
    expect(await catalogSnapshot(interrupted.url)).to.deep.equal(reference);

    const pool = createPool(interrupted.url, { max: 1 });
    try {
      const report = await verifyDatabase(pool, { revisions: [BASELINE, ANALYSIS_FIELDS] });
      expect(report.checks.filter((c) => c.status === 'FAIL')).to.deep.equal([]);
    } finally {
      await pool.end();
    }
  });
});

describe('db migrations: a step that fails', function () {
  let db: TestDatabase;

  before(async function () {
    db = await createTestDatabase('tm_db_stepfail');
  });
  after(async () => db.drop());

  it('names the step, the applied revisions and what to do next', async function () {
    await migrate(db.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
    // A view where the table should be: CREATE TABLE IF NOT EXISTS skips it, the foreign key cannot be added.
    await sql(db.url, 'CREATE VIEW analysis_history AS SELECT 1 AS track_id');
    const err = await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger }).catch((e: unknown) => e);
    expect((err as Error).message).to.match(
      /^migrate of AnalysisFields1732500001000 failed: step "add foreign key fk_analysis_history_track NOT VALID" failed: .*analysis_history.*\. Schema state — applied: Baseline1732500000000 \(current Baseline1732500000000\); pending: AnalysisFields1732500001000/,
    );
    expect((err as Error).message).to.include('its steps are idempotent');
  });

  it('a revision in one transaction: says nothing of it was applied, suggests no rollback, records nothing in progress', async function () {
    const other = await createTestDatabase('tm_db_txfail');
    try {
      // A view where the table should be: CREATE TABLE IF NOT EXISTS skips it, COMMENT ON TABLE refuses a view.
      await sql(other.url, 'CREATE VIEW tracks AS SELECT 1 AS id');
      const err = await migrate(other.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger }).catch((e: unknown) => e);
      expect((err as Error).message).to.match(
        /Baseline1732500000000 runs in one transaction, so nothing of it was applied — fix the cause and run "db migrate" again$/,
      );
      expect((await migrationStatus(other.url, allMigrations, silentLogger)).partlyApplied).to.deep.equal([]);
    } finally {
      await other.drop();
    }
  });
});
