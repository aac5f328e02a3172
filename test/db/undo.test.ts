import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANALYSIS_COLUMNS, FK_NAME } from '../../migrations/1732500001000-AnalysisFields.js';
import { allMigrations } from '../../migrations/index.js';
import { IN_PROGRESS_TABLE } from '../../src/schema/dataSource.js';
import { migrate } from '../../src/schema/migrator.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { killDuringIndexBuild } from './killDuringIndexBuild.js';
import { ANALYSIS_FIELDS, BASELINE, catalogSnapshot, silentLogger, sql } from './catalog.js';

/**
 * A revision run outside a transaction and stopped half-way — by a failed step, or by a process killed while
 * an index is built — is recorded in progress. The commands the failure suggests lead back to a clean state:
 * `db rollback` undoes that revision (not the Baseline below it), `db migrate` finishes it.
 */

/** What AnalysisFields adds, wherever it is found; $1 = its column names, $2 = its foreign key. */
const LEFTOVERS_SQL = `
  SELECT 'column ' || attname AS object FROM pg_attribute
    WHERE attrelid = to_regclass('tracks') AND attnum > 0 AND NOT attisdropped AND attname = ANY($1::text[])
  UNION ALL SELECT 'relation ' || relname FROM pg_class WHERE relname = 'analysis_history'
  UNION ALL SELECT 'constraint ' || conname FROM pg_constraint WHERE conname LIKE 'ck\\_tracks\\_%' OR conname = $2
  UNION ALL SELECT 'index ' || relname FROM pg_class WHERE relkind = 'i' AND relname LIKE 'ix\\_%'
  ORDER BY 1`;

/** The table name is a constant of the code under test, not data. */
const RECORDS_SQL = `SELECT revision, direction FROM ${IN_PROGRESS_TABLE} ORDER BY revision`;


interface StatusJson {
  applied: string[];
  partlyApplied: string[];
}

async function leftovers(url: string): Promise<string[]> {
  const { rows } = await sql(url, LEFTOVERS_SQL, [ANALYSIS_COLUMNS.map((c) => c.name), FK_NAME]);
  return rows.map((r: { object: string }) => r.object);
}

async function records(url: string): Promise<unknown[]> {
  return (await sql(url, RECORDS_SQL)).rows;
}

/** A library the old Tracktion made: `tracks` with rows, adopted by the Baseline (whose undo is a no-op). */
async function adoptedLibrary(url: string): Promise<void> {
  await sql(url, 'CREATE TABLE tracks (id integer PRIMARY KEY, file_path text NOT NULL, analysis_data text NULL, created_at timestamp NOT NULL)');
  await sql(url, `INSERT INTO tracks VALUES (1, '/a.mp3', NULL, now()), (2, '/b.mp3', NULL, now())`);
  await migrate(url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
}

async function statusJson(env: NodeJS.ProcessEnv): Promise<StatusJson> {
  const result = await runCli(['db', 'status', '--json'], { env });
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout) as StatusJson;
}

describe('db: a revision interrupted half-way is recorded, and undone or finished', function () {
  this.timeout(120_000);
  let backupDir: string;
  const databases: TestDatabase[] = [];

  async function library(prefix: string): Promise<{ url: string; env: NodeJS.ProcessEnv }> {
    const db = await createTestDatabase(prefix);
    databases.push(db);
    await adoptedLibrary(db.url);
    return { url: db.url, env: testEnv({ DATABASE_URL: db.url, BACKUP_DIR: backupDir }) };
  }

  /** A view where analysis_history should be: the foreign key step fails after the columns were added. */
  async function failAnalysisFields(url: string, env: NodeJS.ProcessEnv): Promise<string> {
    await sql(url, 'CREATE VIEW analysis_history AS SELECT 1 AS track_id');
    const failed = await runCli(['db', 'migrate', '--to', ANALYSIS_FIELDS], { env });
    expect(failed.code, failed.stderr).not.to.equal(0);
    expect(failed.stderr).to.include(`${ANALYSIS_FIELDS} is partly applied; its steps are idempotent — fix the cause and run "db migrate" again to finish it, or "db rollback" to undo it`);
    expect(await records(url)).to.deep.equal([{ revision: ANALYSIS_FIELDS, direction: 'up' }]);
    return failed.stderr;
  }

  before(async () => {
    backupDir = await mkdtemp(join(tmpdir(), 'tm-undo-backups-'));
  });
  after(async () => {
    for (const db of databases) await db.drop();
    await rm(backupDir, { recursive: true, force: true });
  });

  it('after a failed step: db status shows it partly applied, and the suggested db rollback undoes exactly it', async function () {
    const { url, env } = await library('tm_db_undo_fail');
    await failAnalysisFields(url, env);
    expect((await statusJson(env)).partlyApplied).to.deep.equal([ANALYSIS_FIELDS]);
    const text = await runCli(['db', 'status'], { env });
    expect(text.stdout).to.match(/AnalysisFields1732500001000 +partly applied\n/);
    expect(text.stdout).to.match(
      /AnalysisFields1732500001000 {2}partly applied — interrupted during migrate at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: db migrate finishes it, db rollback undoes it/,
    );

    await sql(url, 'DROP VIEW analysis_history'); // "fix the cause"
    const rolledBack = await runCli(['db', 'rollback'], { env });
    expect(rolledBack.code, rolledBack.stderr).to.equal(0);
    expect(rolledBack.stderr).to.include(`undid partly applied ${ANALYSIS_FIELDS}`);
    expect(await leftovers(url)).to.deep.equal([]);
    expect(await records(url)).to.deep.equal([]);
    const after = await statusJson(env);
    expect(after.partlyApplied).to.deep.equal([]);
    expect(after.applied).to.deep.equal([BASELINE]);
    expect((await sql(url, 'SELECT count(*)::int AS n FROM tracks')).rows[0].n).to.equal(2);
  });

  it('after a failed step: the suggested db migrate finishes it and db verify passes', async function () {
    const { url, env } = await library('tm_db_finish_fail');
    await failAnalysisFields(url, env);
    await sql(url, 'DROP VIEW analysis_history');
    const migrated = await runCli(['db', 'migrate', '--to', ANALYSIS_FIELDS], { env });
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect(migrated.stderr).to.include(`finished partly applied ${ANALYSIS_FIELDS}`);
    expect(await records(url)).to.deep.equal([]);
    expect((await statusJson(env)).partlyApplied).to.deep.equal([]);
    const verified = await runCli(['db', 'verify'], { env });
    expect(verified.code, verified.stdout).to.equal(0);
  });

  it('a rollback stopped half-way: db status shows it partly reverted, db migrate refuses, db rollback again finishes it', async function () {
    const { url, env } = await library('tm_db_undo_down');
    await migrate(url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    // A view on an analysis column: every down step runs until the columns cannot be dropped.
    await sql(url, 'CREATE VIEW energy AS SELECT energy_level FROM tracks');
    const failed = await runCli(['db', 'rollback'], { env });
    expect(failed.code, failed.stderr).not.to.equal(0);
    expect(failed.stderr).to.include(`${ANALYSIS_FIELDS} is partly reverted; its steps are idempotent — fix the cause and run "db rollback" again to finish reverting it`);
    expect(await records(url)).to.deep.equal([{ revision: ANALYSIS_FIELDS, direction: 'down' }]);
    const text = await runCli(['db', 'status'], { env });
    expect(text.stdout).to.match(/AnalysisFields1732500001000 {2}partly reverted — interrupted during rollback at \S+: db rollback finishes reverting it/);
    const refused = await runCli(['db', 'migrate'], { env });
    expect(refused.code).to.equal(64);
    expect(refused.stderr).to.include(`${ANALYSIS_FIELDS} is partly reverted`);

    await sql(url, 'DROP VIEW energy');
    const rolledBack = await runCli(['db', 'rollback'], { env });
    expect(rolledBack.code, rolledBack.stderr).to.equal(0);
    expect(await leftovers(url)).to.deep.equal([]);
    expect(await records(url)).to.deep.equal([]);
    expect((await statusJson(env)).applied).to.deep.equal([BASELINE]);
  });

  it('killed during an index build: db migrate finishes it, the INVALID index is rebuilt, db verify passes', async function () {
    const { url, env } = await library('tm_db_kill_finish');
    await killDuringIndexBuild(url, env, ['db', 'migrate']);
    expect((await sql(url, 'SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid')).rows[0].n).to.equal(1);
    expect(await records(url)).to.deep.equal([{ revision: ANALYSIS_FIELDS, direction: 'up' }]);

    const migrated = await runCli(['db', 'migrate'], { env });
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect((await sql(url, 'SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid')).rows[0].n).to.equal(0);
    expect(await records(url)).to.deep.equal([]);
    const verified = await runCli(['db', 'verify'], { env });
    expect(verified.code, verified.stdout).to.equal(0);
  });

  it('killed during an index build: db rollback restores the catalog as it was before the migrate', async function () {
    const { url, env } = await library('tm_db_kill_undo');
    const before = await catalogSnapshot(url);
    await killDuringIndexBuild(url, env, ['db', 'migrate']);
    expect((await statusJson(env)).partlyApplied).to.deep.equal([ANALYSIS_FIELDS]);

    const rolledBack = await runCli(['db', 'rollback'], { env });
    expect(rolledBack.code, rolledBack.stderr).to.equal(0);
    expect(rolledBack.stderr).to.include(`undid partly applied ${ANALYSIS_FIELDS}`);
    expect(await catalogSnapshot(url)).to.deep.equal(before);
    expect(await records(url)).to.deep.equal([]);
    const after = await statusJson(env);
    expect(after).to.include({ current: BASELINE });
    expect(after.partlyApplied).to.deep.equal([]);
  });
});
