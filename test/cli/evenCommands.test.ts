import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { ROW_ERROR_CODES } from '../../src/shared/errorCodes.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, TEST_REDIS_URL, testEnv, uniqueName, type TestDatabase } from '../helpers/isolation.js';
import { allMigrations } from '../../migrations/index.js';

interface ChangeReport {
  target: string;
  direction: string;
  revisions: string[];
  dryRun: boolean;
  verdicts: { check: string; status: string }[];
  backup: string | null;
  done: string[];
  validation: { ok: boolean; checks: unknown[] } | null;
}

/** One JSON document on stdout, nothing else there. */
function onlyJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  expect(lines, stdout).to.have.length(1);
  return JSON.parse(lines[0] as string) as T;
}

describe('even commands: --json on the db changes, filter values, previews', function () {
  this.timeout(120_000);

  describe('db migrate, rollback and backup --json', () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase('tm_cli_even');
    });
    after(() => db.drop());

    it('db migrate --json: the path, the verdicts, the backup file, what was done and the validation', async () => {
      const result = await runCli(['db', 'migrate', '--json'], { env: testEnv({ DATABASE_URL: db.url }) });
      expect(result.code, result.stderr).to.equal(0);
      const report = onlyJson<ChangeReport>(result.stdout);
      expect(report.direction).to.equal('up');
      expect(report.done).to.deep.equal(report.revisions);
      expect(report.target).to.equal(report.revisions.at(-1));
      expect(report.verdicts[0]).to.include({ check: 'target revision', status: 'ok' });
      expect(report.backup).to.be.a('string');
      expect(existsSync(report.backup as string)).to.equal(true);
      expect(report.validation?.ok).to.equal(true);
      expect(result.stderr, 'the verdicts are in the document, not repeated on stderr').not.to.match(/^pre-flight/m);
    });

    it('db rollback --json --dry-run: what would be reverted, nothing done, no backup', async () => {
      const result = await runCli(['db', 'rollback', '--to', 'base', '--dry-run', '--json'], { env: testEnv({ DATABASE_URL: db.url }) });
      expect(result.code, result.stderr).to.equal(0);
      const report = onlyJson<ChangeReport>(result.stdout);
      expect(report).to.include({ target: 'base', direction: 'down', dryRun: true, backup: null, validation: null });
      expect(report.done).to.deep.equal([]);
      expect(report.revisions.length).to.be.greaterThan(3);
    });

    it('a refused db rollback --json still prints the document (with the abort verdict) and exits non-zero', async () => {
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, energy_level, created_at) VALUES (1, '/a', '{}', 0.5, now())`);
      } finally {
        await pool.end();
      }
      const result = await runCli(['db', 'rollback', '--to', 'base', '--no-backup', '--json'], { env: testEnv({ DATABASE_URL: db.url }) });
      expect(result.code).to.not.equal(0);
      const report = onlyJson<ChangeReport>(result.stdout);
      expect(report.verdicts.some((v) => v.status === 'abort')).to.equal(true);
      expect(report.done).to.deep.equal([]);
    });

    it('db backup --json: {file, bytes, durationMs}', async () => {
      const result = await runCli(['db', 'backup', '--json'], { env: testEnv({ DATABASE_URL: db.url }) });
      expect(result.code, result.stderr).to.equal(0);
      const backup = onlyJson<{ file: string; bytes: number; durationMs: number }>(result.stdout);
      expect(existsSync(backup.file)).to.equal(true);
      expect(backup.bytes).to.be.greaterThan(0);
      expect(backup.durationMs).to.be.a('number');
    });
  });

  describe('backfill commands', () => {
    let db: TestDatabase;
    let env: NodeJS.ProcessEnv;
    let jobId: number;
    const namespace = uniqueName('tmeven').replace(/_/g, '-');
    before(async () => {
      db = await createTestDatabase('tm_cli_even_bf');
      await migrateToLatest(db.url, allMigrations);
      env = testEnv({ DATABASE_URL: db.url, TRACKTION_NAMESPACE: namespace });
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        const { rows } = await pool.query<{ id: number }>(
          `INSERT INTO backfill_jobs (analysis_version, range_size, state) VALUES ('2024.1', 250, 'completed') RETURNING id::float8 AS id`);
        jobId = (rows[0] as { id: number }).id;
      } finally {
        await pool.end();
      }
    });
    after(async () => {
      await db.drop();
      const redis = new Redis(TEST_REDIS_URL);
      try {
        const keys = await redis.keys(`${namespace}:*`);
        if (keys.length) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    });

    it('backfill errors --code nope is a usage error (64) that lists the valid codes', async () => {
      const result = await runCli(['backfill', 'errors', String(jobId), '--code', 'nope'], { env });
      expect(result.code).to.equal(64);
      expect(result.stdout).to.equal('');
      for (const code of ROW_ERROR_CODES) expect(result.stderr).to.include(code);
    });

    it('backfill rollback without --yes is a preview: exit 0, the plan on stdout, how to go ahead on stderr', async () => {
      const text = await runCli(['backfill', 'rollback', String(jobId)], { env });
      expect(text.code, text.stderr).to.equal(0);
      expect(text.stdout).not.to.equal('');
      expect(text.stderr).to.include('add --yes');
      const json = await runCli(['backfill', 'rollback', String(jobId), '--json'], { env });
      expect(json.code, json.stderr).to.equal(0);
      expect(onlyJson<{ jobId: number; preview: boolean }>(json.stdout)).to.include({ jobId, preview: true });
    });

    it('backfill throttle --json: {jobId, cap}', async () => {
      const result = await runCli(['backfill', 'throttle', String(jobId), '--clear', '--json'], { env });
      expect(result.code, result.stderr).to.equal(0);
      expect(onlyJson(result.stdout)).to.deep.equal({ jobId, cap: null });
    });
  });
});
