import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, BASELINE, catalogSnapshot, sql } from './catalog.js';

interface StatusJson {
  known: string[];
  applied: string[];
  pending: string[];
  current: string | null;
  target: string;
  path: { direction: string; revisions: string[] };
}

describe('db CLI', function () {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    db = await createTestDatabase('tm_db_cli');
    env = testEnv({ DATABASE_URL: db.url });
  });
  after(async () => db.drop());

  it('db status --json on an empty database: nothing applied, everything pending', async function () {
    const result = await runCli(['db', 'status', '--json'], { env });
    expect(result.code, result.stderr).to.equal(0);
    const status = JSON.parse(result.stdout) as StatusJson;
    expect(status.known.slice(0, 2)).to.deep.equal([BASELINE, ANALYSIS_FIELDS]);
    expect(status.applied).to.deep.equal([]);
    expect(status.current).to.equal(null);
    expect(status.pending).to.deep.equal(status.known);
    expect(status.path).to.deep.equal({ direction: 'up', revisions: status.known });
  });

  it('db status works from the application\'s directory: its .env (LOG_LEVEL=INFO, keys the tool does not use) is no error', async function () {
    const appDir = await mkdtemp(join(tmpdir(), 'tm-app-'));
    try {
      // The application's own .env, as its v2.1 layout writes it (Python logging names, its own settings).
      await writeFile(join(appDir, '.env'), [
        'ENVIRONMENT=production', 'LOG_LEVEL=INFO', 'METRICS_ENABLED=true', 'AUDIT_LOG_ENABLED=false',
        'DB_HOST=db.internal', 'DB_PORT=5432', 'JWT_EXPIRATION=3600', 'ENCRYPTION_MASTER_KEY=c2VjcmV0LWtleQ==',
        'REDIS_URL=redis://127.0.0.1:6379/0', '',
      ].join('\n'));
      const appEnv: NodeJS.ProcessEnv = { ...env };
      delete appEnv.TRACKTION_ENV_FILE;
      delete appEnv.LOG_LEVEL;
      const result = await runCli(['db', 'status', '--json'], { env: appEnv, cwd: appDir });
      expect(result.code, result.stderr).to.equal(0);
      expect((JSON.parse(result.stdout) as StatusJson).known.length).to.be.greaterThan(0);
    } finally {
      await rm(appDir, { recursive: true, force: true });
    }
  });

  it('db plan prints the SQL of pending revisions: timeouts first, concurrent indexes, NOT VALID then VALIDATE', async function () {
    const result = await runCli(['db', 'plan', '--to', ANALYSIS_FIELDS], { env });
    expect(result.code, result.stderr).to.equal(0);
    const plan = result.stdout;
    expect(plan).to.include(`-- revision ${BASELINE} (one transaction)`);
    expect(plan).to.include('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_tracks_energy_dance_valence ON tracks (energy_level, danceability, valence);');
    expect(plan.indexOf("SET lock_timeout = '500ms';")).to.be.lessThan(plan.indexOf('ALTER TABLE tracks\n  ADD COLUMN IF NOT EXISTS energy_level'));
    expect(plan.indexOf('ADD CONSTRAINT ck_tracks_energy_range CHECK (energy_level >= 0 AND energy_level <= 1) NOT VALID'))
      .to.be.lessThan(plan.indexOf('VALIDATE CONSTRAINT ck_tracks_energy_range'));
    expect(plan).not.to.include('BackfillLedger');
  });

  it('db migrate --dry-run prints verdicts and SQL and changes nothing', async function () {
    const before = await catalogSnapshot(db.url);
    const result = await runCli(['db', 'migrate', '--dry-run', '--to', BASELINE], { env });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/pre-flight {2}OK {5}target revision: Baseline1732500000000: apply Baseline1732500000000/);
    expect(result.stderr).to.include('dry run: nothing was changed');
    expect(result.stdout).to.include('CREATE TABLE IF NOT EXISTS tracks');
    expect(await catalogSnapshot(db.url)).to.deep.equal(before);
  });

  it('db migrate --to, then db plan shows only what is left, and db status the path', async function () {
    const migrated = await runCli(['db', 'migrate', '--to', BASELINE], { env });
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect(migrated.stderr).to.include(`migrated to ${BASELINE}: ${BASELINE}`);
    expect(migrated.stderr).to.match(/validate +PASS +schema +table tracks: 4\/4 columns as specified/);

    const plan = await runCli(['db', 'plan', '--to', ANALYSIS_FIELDS], { env });
    expect(plan.stdout).not.to.include(`-- revision ${BASELINE}`);
    expect(plan.stdout).to.include(`-- revision ${ANALYSIS_FIELDS}`);

    const status = JSON.parse((await runCli(['db', 'status', '--json', '--to', ANALYSIS_FIELDS], { env })).stdout) as StatusJson;
    expect(status.current).to.equal(BASELINE);
    expect(status.path).to.deep.equal({ direction: 'up', revisions: [ANALYSIS_FIELDS] });
  });

  it('db rollback of populated analysis fields stops (ABORT) unless --allow-data-loss, and writes a backup first', async function () {
    expect((await runCli(['db', 'migrate', '--to', ANALYSIS_FIELDS], { env })).code).to.equal(0);
    await sql(db.url, `INSERT INTO tracks (id, file_path, created_at, analysis_version) VALUES (1, 'a', now(), 'v1')`);
    await sql(db.url, `INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results) VALUES (1, 'audio', 'v1', '{}')`);

    const stopped = await runCli(['db', 'rollback'], { env });
    expect(stopped.code).to.equal(1);
    expect(stopped.stderr).to.include(`pre-flight  ABORT  analysis data: reverting ${ANALYSIS_FIELDS} drops 1 track(s) with analysis values (analysis_version 1), 1 analysis_history row(s) — pass --allow-data-loss to drop them`);

    const backupDir = await mkdtemp(join(tmpdir(), 'tm-backup-'));
    try {
      const allowed = await runCli(['db', 'rollback', '--allow-data-loss', '--backup'], { env: { ...env, BACKUP_DIR: backupDir } });
      expect(allowed.code, allowed.stderr).to.equal(0);
      expect(allowed.stderr).to.include('(--allow-data-loss: going ahead)');
      expect(allowed.stderr).to.match(/backup {6}written .+\.dump \([\d.]+ \w+ in \d+ ms\)/);
      expect(allowed.stderr).to.include(`rolled back to ${BASELINE}: ${ANALYSIS_FIELDS}`);
      expect((await readdir(backupDir)).filter((f) => f.endsWith('.dump'))).to.have.length(1);
    } finally {
      await rm(backupDir, { recursive: true, force: true });
    }
  });

  it('--force is no flag of db migrate or db rollback: each override has its own name', async function () {
    for (const command of ['migrate', 'rollback']) {
      const result = await runCli(['db', command, '--force'], { env });
      expect(result.code, command).to.equal(64);
      expect(result.stderr).to.include("unknown option '--force'");
    }
  });

  it('db migrate --to an older revision is a usage error pointing at rollback', async function () {
    const result = await runCli(['db', 'migrate', '--to', 'base'], { env });
    expect(result.code).to.equal(64);
    expect(result.stderr).to.include('use "db rollback --to base"');
  });

  it('db plan --all needs no database and covers every revision', async function () {
    const result = await runCli(['db', 'plan', '--all'], { env: testEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }) });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`-- revision ${BASELINE}`).and.include(`-- revision ${ANALYSIS_FIELDS}`);
  });

  it('an unreachable database: exit 69 and one line, without the password', async function () {
    const result = await runCli(['db', 'status'], { env: testEnv({ DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/x' }) });
    expect(result.code).to.equal(69);
    expect(result.stdout).to.equal('');
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/^tracktion-migrate: PostgreSQL is not reachable at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(result.stderr).not.to.include('s3cret');
  });

  it('db restore without --yes is a usage error and touches nothing', async function () {
    const result = await runCli(['db', 'restore', 'some.dump'], { env });
    expect(result.code).to.equal(64);
    expect(result.stderr).to.include('pass --yes to confirm');
  });
});
