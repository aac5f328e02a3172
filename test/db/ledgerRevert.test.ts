import { expect } from 'chai';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, silentLogger, sql } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

const OPERATIONS = 'BackfillOperations1732500003000';

/**
 * `db rollback` of the ledger revisions drops the ledger and the snapshots `backfill rollback` needs: with
 * jobs in the ledger it is refused (--allow-data-loss, the analysis data's override, is not enough) until confirmed
 * with --drop-ledger.
 */
describe('db rollback of the ledger revisions while the ledger holds jobs', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const ledgerExists = async () => (await sql(db.url, `SELECT to_regclass('backfill_jobs') IS NOT NULL AS present`)).rows[0]?.present as boolean;

  before(async () => {
    db = await createTestDatabase('tm_ledger_revert');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    env = testEnv({ DATABASE_URL: db.url });
    await sql(db.url, `INSERT INTO tracks (id, file_path, created_at, analysis_data) VALUES (1, 'a', now(), '{"energy": 0.5}')`);
    await sql(db.url, `INSERT INTO backfill_jobs (analysis_version, range_size, state) VALUES ('v1', 100, 'completed'), ('v2', 100, 'running')`);
  });
  after(async () => db?.drop());

  it('reverting only later revisions does not ask', async () => {
    const result = await runCli(['db', 'rollback', '--to', OPERATIONS, '--dry-run'], { env });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/pre-flight {2}SKIP {3}backfill ledger: the ledger revisions are not reverted/);
  });

  it('refuses, even with --allow-data-loss, saying how many jobs and how many not finished', async () => {
    for (const args of [[], ['--allow-data-loss']]) {
      const refused = await runCli(['db', 'rollback', '--to', ANALYSIS_FIELDS, ...args], { env });
      expect(refused.code, refused.stderr).to.equal(1);
      expect(refused.stderr).to.include('drops 2 backfill job(s), 1 not finished (a fleet may be working on them)');
      expect(refused.stderr).to.include('pass --drop-ledger to confirm');
      expect(await ledgerExists(), 'nothing reverted').to.equal(true);
    }
  });

  it('goes through with --drop-ledger', async () => {
    const result = await runCli(['db', 'rollback', '--to', ANALYSIS_FIELDS, '--drop-ledger', '--no-backup'], { env });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include('(--drop-ledger: going ahead)');
    expect(await ledgerExists()).to.equal(false);
  });
});
