import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { ALEMBIC_ANALYSIS_REVISION, ALEMBIC_LEGACY_REVISION, alembicCurrent, runAlembic } from '../helpers/alembic.js';
import { buildLibrary, type LibraryState } from '../helpers/libraryFixtures.js';
import { BASELINE, catalogSnapshot } from './catalog.js';

/**
 * The tool and the application's own Alembic (the real one) take turns on one library: each must find
 * the schema where the other left it, and `alembic_version` must say where that is.
 */

const TRACKS = 200;
const ANALYSIS_COLUMNS = ['energy_level', 'danceability', 'valence', 'acousticness', 'instrumentalness', 'analysis_version', 'analysis_metadata'];

async function tracksColumns(databaseUrl: string): Promise<string[]> {
  const { columns } = await catalogSnapshot(databaseUrl);
  return (columns as { table: string; name: string }[]).filter((c) => c.table === 'tracks').map((c) => c.name);
}

function describeLibrary(state: LibraryState, body: (library: () => { db: TestDatabase; env: NodeJS.ProcessEnv }) => void): void {
  describe(`the tool and Alembic on a library in state ${state}`, function () {
    this.timeout(120_000);
    let db: TestDatabase;
    let env: NodeJS.ProcessEnv;
    let backupDir: string;

    before(async function () {
      db = await createTestDatabase('tm_alembic');
      backupDir = await mkdtemp(join(tmpdir(), 'tm-alembic-backups-'));
      env = testEnv({ DATABASE_URL: db.url, BACKUP_DIR: backupDir });
      await buildLibrary(db.url, state, { tracks: TRACKS });
    });
    after(async function () {
      await db?.drop();
      if (backupDir) await rm(backupDir, { recursive: true, force: true });
    });

    body(() => ({ db, env }));
  });
}

async function expectAlembicUpgradeChangesNothing(databaseUrl: string): Promise<void> {
  const before = await catalogSnapshot(databaseUrl);
  const upgrade = await runAlembic(databaseUrl, ['upgrade', 'head']);
  expect(upgrade.code, upgrade.stderr).to.equal(0);
  expect(await catalogSnapshot(databaseUrl)).to.deep.equal(before);
}

describeLibrary('alembic-before', (library) => {
  it(`db migrate records ${ALEMBIC_ANALYSIS_REVISION} in alembic_version; alembic upgrade head then changes nothing`, async function () {
    const { db, env } = library();
    const migrate = await runCli(['db', 'migrate'], { env });
    expect(migrate.code, migrate.stderr).to.equal(0);
    expect(await alembicCurrent(db.url)).to.equal(ALEMBIC_ANALYSIS_REVISION);
    expect(await tracksColumns(db.url)).to.include.members(ANALYSIS_COLUMNS);
    await expectAlembicUpgradeChangesNothing(db.url);
  });

  it(`db rollback --to Baseline records ${ALEMBIC_LEGACY_REVISION}; alembic upgrade head then re-adds the columns`, async function () {
    const { db, env } = library();
    // No backfill ran: nothing to lose, so no --allow-data-loss.
    const rollback = await runCli(['db', 'rollback', '--to', BASELINE], { env });
    expect(rollback.code, rollback.stderr).to.equal(0);
    expect(await alembicCurrent(db.url)).to.equal(ALEMBIC_LEGACY_REVISION);
    expect(await tracksColumns(db.url)).not.to.include.any.members(ANALYSIS_COLUMNS);

    const upgrade = await runAlembic(db.url, ['upgrade', 'head']);
    expect(upgrade.code, upgrade.stderr).to.equal(0);
    expect(await alembicCurrent(db.url)).to.equal(ALEMBIC_ANALYSIS_REVISION);
    expect(await tracksColumns(db.url)).to.include.members(ANALYSIS_COLUMNS);
  });
});

describeLibrary('alembic-after', (library) => {
  it(`db migrate keeps ${ALEMBIC_ANALYSIS_REVISION} in alembic_version and db verify passes`, async function () {
    const { db, env } = library();
    const migrate = await runCli(['db', 'migrate'], { env });
    expect(migrate.code, migrate.stderr).to.equal(0);
    expect(await alembicCurrent(db.url)).to.equal(ALEMBIC_ANALYSIS_REVISION);
    const verify = await runCli(['db', 'verify'], { env });
    expect(verify.stdout, verify.stderr).not.to.match(/^FAIL /m);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    await expectAlembicUpgradeChangesNothing(db.url);
  });
});
