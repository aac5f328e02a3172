import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { ANALYSIS_INDEXES } from '../../migrations/1732500001000-AnalysisFields.js';
import { allMigrations } from '../../migrations/index.js';
import { DEFERRED_INDEXES_TABLE } from '../../src/schema/deferredIndexes.js';
import { migrate } from '../../src/schema/migrator.js';
import { createJob } from '../../src/shared/ledger/jobs.js';
import { createPool } from '../../src/shared/db/pool.js';
import { CLI_PATH, runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { waitFor } from '../helpers/waitFor.js';
import { ANALYSIS_FIELDS, BASELINE, catalogSnapshot, openSession, silentLogger, sql } from './catalog.js';

/**
 * `db migrate --defer-indexes` leaves the six query indexes of the analysis upgrade for later and records that
 * it did; `db verify` and `db status` name them as deferred (WARN, exit 0) instead of missing (FAIL); `db
 * build-indexes` and `backfill finalize` build them concurrently, idempotently, and finish a build that was
 * killed half-way; a rollback of a deferred library leaves the catalog as it was before the migrate.
 */

const DEFERRED: string[] = ANALYSIS_INDEXES.map((ix) => ix.name);
/** What correctness needs is never deferred. */
const KEPT = ['uq_analysis_history_track_type_version', 'analysis_history_pkey', 'tracks_pkey'];

/** The table name is a constant of the code under test, not data. */
const RECORDS_SQL = `SELECT index_name FROM ${DEFERRED_INDEXES_TABLE} ORDER BY index_name`;
const INDEXES_SQL = `SELECT relname AS name, indisvalid AS valid FROM pg_index JOIN pg_class ON oid = indexrelid
  WHERE indrelid IN (to_regclass('tracks'), to_regclass('analysis_history')) ORDER BY relname`;
const WAITING_BUILD_SQL = `
  SELECT pid FROM pg_stat_activity
  WHERE datname = current_database() AND application_name LIKE 'tracktion-migrate db%' AND query ILIKE 'CREATE INDEX CONCURRENTLY%'`;
const OUR_SESSIONS_SQL = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'tracktion-migrate db%'`;

interface Check { name: string; status: string; detail: string; numbers: Record<string, number> }
interface VerifyJson { ok: boolean; checks: Check[] }
interface StatusJson { library: { state: string; missing: string[]; deferred: { index: string; table: string; revision: string; deferredAt: string }[]; notes: string[] } }

async function indexes(url: string): Promise<{ name: string; valid: boolean }[]> {
  return (await sql(url, INDEXES_SQL)).rows as { name: string; valid: boolean }[];
}

async function records(url: string): Promise<string[]> {
  const present = (await sql(url, 'SELECT to_regclass($1) IS NOT NULL AS present', [DEFERRED_INDEXES_TABLE])).rows[0] as { present: boolean };
  if (!present.present) return [];
  return (await sql(url, RECORDS_SQL)).rows.map((r: { index_name: string }) => r.index_name);
}

async function verifyJson(env: NodeJS.ProcessEnv): Promise<{ code: number | null; report: VerifyJson }> {
  const result = await runCli(['db', 'verify', '--json'], { env });
  return { code: result.code, report: JSON.parse(result.stdout) as VerifyJson };
}

async function statusJson(env: NodeJS.ProcessEnv): Promise<StatusJson> {
  const result = await runCli(['db', 'status', '--json'], { env });
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout) as StatusJson;
}

/** Tracks with analysis values, and a history row each: data for the indexes to hold. */
async function someData(url: string): Promise<void> {
  await sql(url, `INSERT INTO tracks (id, file_path, analysis_data, created_at, energy_level, danceability, valence, analysis_version)
    SELECT g, '/t/' || g || '.mp3', NULL, now(), (g % 10) / 10.0, (g % 7) / 7.0, 0.5, '2.0' FROM generate_series(1, 500) g`);
  await sql(url, `INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results)
    SELECT g, 'full_analysis', '2.0', '{}'::jsonb FROM generate_series(1, 500) g`);
}

/**
 * `db build-indexes` killed while CREATE INDEX CONCURRENTLY waits for an old snapshot (held by `blocker`), and
 * its backends terminated as a crash would end them — the server would otherwise finish the build for a dead client.
 */
async function killDuringBuild(url: string, env: NodeJS.ProcessEnv): Promise<void> {
  const blocker = await openSession(url, 'deferred index test snapshot holder');
  try {
    await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await blocker.query('SELECT 1');
    const child = spawn(process.execPath, [CLI_PATH, 'db', 'build-indexes'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      const building = waitFor(async () => (await sql(url, WAITING_BUILD_SQL)).rowCount! > 0, { what: 'db build-indexes to wait in CREATE INDEX CONCURRENTLY', timeoutMs: 30_000 });
      const ended = exited.then((code) => Promise.reject(new Error(`db build-indexes ended (${String(code)}) before its index build: ${stderr}`)));
      await Promise.race([building, ended]);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    await sql(url, `SELECT pg_terminate_backend(pid) FROM (${OUR_SESSIONS_SQL}) ours`);
    await waitFor(async () => (await sql(url, OUR_SESSIONS_SQL)).rowCount === 0, { what: 'the killed build\'s sessions to end' });
  } finally {
    await blocker.query('ROLLBACK').catch(() => undefined);
    await blocker.end();
  }
}

describe('db migrate --defer-indexes, db build-indexes', function () {
  this.timeout(120_000);
  const databases: TestDatabase[] = [];

  async function database(prefix: string): Promise<{ url: string; env: NodeJS.ProcessEnv }> {
    const db = await createTestDatabase(prefix);
    databases.push(db);
    return { url: db.url, env: testEnv({ DATABASE_URL: db.url }) };
  }

  async function deferredMigrate(env: NodeJS.ProcessEnv, to?: string): Promise<string> {
    const result = await runCli(['db', 'migrate', '--defer-indexes', '--no-backup', ...(to ? ['--to', to] : [])], { env });
    expect(result.code, result.stderr).to.equal(0);
    return result.stderr;
  }

  after(async () => {
    for (const db of databases) await db.drop();
  });

  it('leaves the six query indexes for later, keeps every key, and verify and status name them as deferred', async () => {
    const { url, env } = await database('tm_defer_pending');
    const stderr = await deferredMigrate(env);
    expect(stderr).to.include(`pre-flight  OK     deferred indexes: left for tracktion-migrate db build-indexes (or backfill finalize): ${DEFERRED.join(', ')}`);
    expect(stderr).to.match(/validate +WARN +schema +index ix_tracks_energy_level: on tracks \(energy_level\) deferred/);
    const names = (await indexes(url)).map((i) => i.name);
    for (const index of DEFERRED) expect(names, index).not.to.include(index);
    for (const index of KEPT) expect(names, index).to.include(index);
    expect(await records(url)).to.deep.equal([...DEFERRED].sort());

    const { code, report } = await verifyJson(env);
    expect(code, 'deferred on purpose is not a failure').to.equal(0);
    expect(report.ok).to.equal(true);
    const warned = report.checks.filter((c) => c.status === 'WARN');
    expect(warned.map((c) => c.name)).to.have.members(DEFERRED.map((n) => `index ${n}`));
    expect(warned[0]?.detail).to.include('run tracktion-migrate db build-indexes (or backfill finalize)');
    expect(warned[0]?.numbers).to.deep.equal({ present: 0, valid: 0, deferred: 1 });
    expect(report.checks.find((c) => c.name === 'constraint uq_analysis_history_track_type_version')).to.include({ status: 'PASS' });
    const text = await runCli(['db', 'verify'], { env });
    expect(text.code).to.equal(0);
    expect(text.stdout).to.match(/^no check failed; 6 WARN \(deferred on purpose, see above\)$/m);

    const status = await statusJson(env);
    expect(status.library.state).to.equal('upgraded');
    expect(status.library.missing).to.deep.equal([]);
    expect(status.library.deferred.map((d) => d.index)).to.have.members(DEFERRED);
    expect(status.library.deferred[0]).to.include({ revision: ANALYSIS_FIELDS });
    const statusText = await runCli(['db', 'status'], { env });
    expect(statusText.stdout).to.include('library: upgraded (every analysis object present and valid, but for the deferred indexes below)');
    expect(statusText.stdout).to.match(/^ {2}deferred: ix_tracks_energy_level \(since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/m);
    expect(statusText.stdout).to.include('tracktion-migrate db build-indexes (or backfill finalize) builds them');
  });

  it('db build-indexes builds them on a library with data (valid, verify passes) and then has nothing to do', async () => {
    const { url, env } = await database('tm_defer_build');
    await deferredMigrate(env);
    await someData(url);
    const built = await runCli(['db', 'build-indexes', '--json'], { env });
    expect(built.code, built.stderr).to.equal(0);
    expect(JSON.parse(built.stdout)).to.deep.equal({ built: DEFERRED, unknown: [] });
    const all = await indexes(url);
    for (const index of DEFERRED) expect(all.find((i) => i.name === index), index).to.deep.equal({ name: index, valid: true });
    expect(await records(url)).to.deep.equal([]);
    const { code, report } = await verifyJson(env);
    expect(code).to.equal(0);
    expect(report.checks.filter((c) => c.status !== 'PASS' && c.status !== 'INFO')).to.deep.equal([]);
    expect((await statusJson(env)).library.deferred).to.deep.equal([]);

    const again = await runCli(['db', 'build-indexes'], { env });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.include('no deferred index to build: nothing to do');
    const late = await runCli(['db', 'migrate', '--defer-indexes', '--json'], { env });
    expect(late.code, late.stderr).to.equal(0);
    expect((JSON.parse(late.stdout) as { deferIndexes: boolean; verdicts: { check: string; status: string; detail: string }[] }).verdicts)
      .to.deep.include({ check: 'deferred indexes', status: 'note', detail: 'nothing to defer: no revision on the path builds a deferrable index (--defer-indexes changes nothing)' });

    // Missing without a deferral: a FAIL, as before.
    await sql(url, 'DROP INDEX ix_tracks_danceability');
    const missing = await verifyJson(env);
    expect(missing.code).to.equal(1);
    expect(missing.report.checks.find((c) => c.name === 'index ix_tracks_danceability')).to.include({ status: 'FAIL' });
  });

  it('a build killed during CREATE INDEX CONCURRENTLY: running it again drops the INVALID index and finishes', async () => {
    const { url, env } = await database('tm_defer_kill');
    await deferredMigrate(env);
    await someData(url);
    await killDuringBuild(url, env);
    const invalid = (await indexes(url)).filter((i) => !i.valid).map((i) => i.name);
    expect(invalid).to.have.length(1);
    expect(await records(url), 'the row goes only once its index is built').to.include(invalid[0]);
    const { code, report } = await verifyJson(env);
    expect(code, 'an INVALID deferred index is still pending, not a failure').to.equal(0);
    expect(report.checks.find((c) => c.name === `index ${invalid[0]}`)?.detail).to.include('INVALID (a build stopped half-way)');

    const rebuilt = await runCli(['db', 'build-indexes', '--json'], { env });
    expect(rebuilt.code, rebuilt.stderr).to.equal(0);
    expect((JSON.parse(rebuilt.stdout) as { built: string[] }).built).to.include(invalid[0]);
    expect((await indexes(url)).filter((i) => !i.valid)).to.deep.equal([]);
    expect((await indexes(url)).map((i) => i.name)).to.include.members(DEFERRED);
    expect(await records(url)).to.deep.equal([]);
    expect((await verifyJson(env)).code).to.equal(0);
  });

  it('db rollback of a deferred library restores the catalog as it was before the migrate; a plain migrate then builds everything', async () => {
    const { url, env } = await database('tm_defer_rollback');
    await migrate(url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
    const before = await catalogSnapshot(url);
    await deferredMigrate(env, ANALYSIS_FIELDS);
    expect(await records(url)).to.have.length(DEFERRED.length);

    const rolledBack = await runCli(['db', 'rollback', '--no-backup'], { env });
    expect(rolledBack.code, rolledBack.stderr).to.equal(0);
    expect(await catalogSnapshot(url)).to.deep.equal(before);
    expect(await records(url), 'the deferral goes with its revision').to.deep.equal([]);

    const migrated = await runCli(['db', 'migrate', '--no-backup', '--to', ANALYSIS_FIELDS], { env });
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect((await indexes(url)).map((i) => i.name)).to.include.members(DEFERRED);
    expect((await verifyJson(env)).report.checks.filter((c) => c.status === 'WARN')).to.deep.equal([]);
  });

  it('backfill finalize builds the deferred indexes once it has finalized the job', async () => {
    const { url, env } = await database('tm_defer_finalize');
    await deferredMigrate(env);
    await someData(url);
    const pool = createPool(url, { applicationName: 'deferred index test', max: 1 });
    let jobId: number;
    try {
      jobId = (await createJob(pool, { analysisVersion: '2.0', rangeSize: 100, requestedBy: 'test' })).id;
      await pool.query(`UPDATE backfill_jobs SET state = 'completed' WHERE id = $1`, [jobId]);
    } finally {
      await pool.end();
    }
    const finalized = await runCli(['backfill', 'finalize', String(jobId)], { env });
    expect(finalized.code, finalized.stderr).to.equal(0);
    expect(finalized.stdout).to.include(`job ${jobId} finalized`);
    expect(finalized.stderr).to.include(`built the deferred indexes ${DEFERRED.join(', ')}`);
    expect((await indexes(url)).filter((i) => DEFERRED.includes(i.name) && i.valid)).to.have.length(DEFERRED.length);
    expect(await records(url)).to.deep.equal([]);
  });
});
