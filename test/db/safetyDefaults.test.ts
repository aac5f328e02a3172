import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, dropDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, BASELINE, sql } from './catalog.js';

/**
 * The safety defaults of `db migrate` / `db rollback`: a backup before every change with work (unless
 * --no-backup), every failure after it naming the file and the restore command, and the disks checked —
 * the backup folder's (writable, room, not too full) and the database server's.
 */

interface StatusJson {
  current: string | null;
}

const dumpsIn = async (dir: string) => (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.dump'));

describe('db migrate/rollback safety defaults', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let dir: string;
  const kept: string[] = [];

  beforeEach(async () => {
    db = await createTestDatabase('tm_db_safety');
    dir = await mkdtemp(join(tmpdir(), 'tm-safety-'));
  });
  afterEach(async () => {
    await db.drop();
    for (const name of kept.splice(0)) await dropDatabase(name);
    await rm(dir, { recursive: true, force: true });
  });
  const env = (extra: Record<string, string> = {}) => testEnv({ DATABASE_URL: db.url, BACKUP_DIR: join(dir, 'backups'), ...extra });
  const current = async () => (JSON.parse((await runCli(['db', 'status', '--json'], { env: env() })).stdout) as StatusJson).current;

  it('backs up by default before a change with work; not with --no-backup, not for nothing to do, not for --dry-run', async () => {
    const migrated = await runCli(['db', 'migrate', '--to', BASELINE], { env: env() });
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect(migrated.stderr).to.match(/backup {6}written .+\.dump \([\d.]+ \w+ in \d+ ms\)/);
    expect(await dumpsIn(join(dir, 'backups'))).to.have.length(1);

    for (const args of [['--to', BASELINE], ['--dry-run'], ['--no-backup', '--to', ANALYSIS_FIELDS]]) {
      const result = await runCli(['db', 'migrate', ...args], { env: env() });
      expect(result.code, result.stderr).to.equal(0);
      expect(await dumpsIn(join(dir, 'backups')), args.join(' ')).to.have.length(1);
    }
    const skipped = await runCli(['db', 'rollback', '--no-backup'], { env: env() });
    expect(skipped.code, skipped.stderr).to.equal(0);
    expect(skipped.stderr).to.include('backup      skipped (--no-backup)');
    expect(await dumpsIn(join(dir, 'backups'))).to.have.length(1);
  });

  it('a failure after the backup names the file and the restore command, which returns the database to before', async () => {
    expect((await runCli(['db', 'migrate', '--to', BASELINE, '--no-backup'], { env: env() })).code).to.equal(0);
    // A view where BackfillLedger creates a table: its CREATE TABLE IF NOT EXISTS skips it, its index fails.
    await sql(db.url, 'CREATE VIEW backfill_errors AS SELECT 1::bigint AS job_id, 0::bigint AS track_id, \'x\'::text AS code');

    const failed = await runCli(['db', 'migrate'], { env: env() });
    expect(failed.code, failed.stderr).to.equal(1);
    const hint = /— backed up before the change to (\S+\.dump); to return to it: tracktion-migrate db restore (\S+) --yes\n$/.exec(failed.stderr);
    expect(hint, failed.stderr).to.not.equal(null);
    const [, file, restoreArg] = hint ?? [];
    expect(restoreArg).to.equal(file);
    expect(await current(), 'AnalysisFields went in before the failure').to.equal(ANALYSIS_FIELDS);

    const restored = await runCli(['db', 'restore', String(file), '--yes'], { env: env() });
    expect(restored.code, restored.stderr).to.equal(0);
    const keptAs = /the previous database is kept as "([^"]+)"/.exec(restored.stderr)?.[1];
    if (keptAs) kept.push(keptAs);
    expect(await current()).to.equal(BASELINE);
  });

  it('a backup folder that cannot be created stops the change before anything is written, naming it', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const result = await runCli(['db', 'migrate', '--to', BASELINE], { env: env({ BACKUP_DIR: join(file, 'backups') }) });
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.include(`pre-flight  ABORT  backup disk: the backup directory ${join(file, 'backups')} cannot be written (ENOTDIR)`);
    expect(await current()).to.equal(null);
  });

  it('the database server\'s disk above PREFLIGHT_MAX_DISK_USED_PERCENT stops the change, even without a backup', async () => {
    const result = await runCli(['db', 'migrate', '--to', BASELINE, '--no-backup'], { env: env({ PREFLIGHT_MAX_DISK_USED_PERCENT: '1' }) });
    expect(result.code, result.stderr).to.equal(1);
    const dataDirectory = (await sql(db.url, `SELECT current_setting('data_directory') AS dir`)).rows[0]?.dir as string;
    expect(result.stderr).to.match(new RegExp(`pre-flight {2}ABORT {2}server disk: data directory ${dataDirectory}: free [\\d.]+ \\w+, [\\d.]+% used: above 1% used`));
    expect(await current()).to.equal(null);
  });

  it('test processes write their backups under the system temp directory, never into the repository', () => {
    expect(testEnv({}).BACKUP_DIR?.startsWith(`${tmpdir()}${sep}`), String(testEnv({}).BACKUP_DIR)).to.equal(true);
    expect(testEnv({ BACKUP_DIR: dir }).BACKUP_DIR, 'a test may choose its own').to.equal(dir);
  });
});
