import { expect } from 'chai';
import type pg from 'pg';
import { createPool } from '../../src/shared/db/pool.js';
import { runPreflight, type PreflightOptions } from '../../src/schema/preflight.js';
import { enforceVerdicts } from '../../src/schema/verdicts.js';
import { migrationStatus } from '../../src/schema/migrator.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, TEST_BACKUP_DIR, testEnv, uniqueName, type TestDatabase } from '../helpers/isolation.js';
import { BASELINE, openSession, silentLogger, sql } from './catalog.js';
import { waitFor } from '../helpers/waitFor.js';
import { allMigrations } from '../../migrations/index.js';

describe('db pre-flight', function () {
  let db: TestDatabase;
  let pool: pg.Pool;
  let other: pg.Client | undefined;
  let options: PreflightOptions;

  before(async function () {
    db = await createTestDatabase('tm_db_preflight');
    options = {
      longTransactionSeconds: 300,
      maxConnections: 5,
      maxDiskUsedPercent: 100,
      backupDir: TEST_BACKUP_DIR,
      databaseUrl: db.url,
      backup: false,
      hasWork: true,
      ownApplicationNames: ['tm-test-preflight%'],
    };
    pool = createPool(db.url, { applicationName: 'tm-test-preflight', max: 1 });
  });
  afterEach(async () => {
    await other?.end();
    other = undefined;
  });
  /** Until the other session's open transaction is older than `seconds`, as PostgreSQL's clock sees it. */
  async function waitForTransactionOlderThan(seconds: number): Promise<void> {
    await waitFor(async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'tm-test-long-tx' AND now() - xact_start > make_interval(secs => $1)`, [seconds]);
      return (rows[0]?.n ?? 0) > 0;
    }, { what: `the other session's transaction to be older than ${seconds} s`, timeoutMs: 10_000, intervalMs: 100 });
  }

  after(async () => {
    await pool.end();
    await db.drop();
  });

  it('aborts on a transaction older than the threshold, naming it', async function () {
    other = await openSession(db.url, 'tm-test-long-tx');
    await other.query('BEGIN');
    await other.query('SELECT txid_current()');
    const pid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await waitForTransactionOlderThan(1);

    const verdicts = await runPreflight(pool, { ...options, longTransactionSeconds: 1 });
    const long = verdicts.find((v) => v.check === 'long transactions');
    expect(long?.status).to.equal('abort');
    expect(long?.detail).to.include(`pid ${pid} (application "tm-test-long-tx"`);
    expect(() => enforceVerdicts(verdicts)).to.throw(/pre-flight stopped the command: long transactions/);
  });

  it('stops `db migrate` before anything changes', async function () {
    other = await openSession(db.url, 'tm-test-long-tx');
    await other.query('BEGIN');
    await other.query('SELECT txid_current()');
    await waitForTransactionOlderThan(1);
    const env = testEnv({ DATABASE_URL: db.url, PREFLIGHT_LONG_TRANSACTION_SECONDS: '1' });
    const result = await runCli(['db', 'migrate'], { env });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/pre-flight {2}ABORT {2}long transactions: 1 transaction\(s\) older than 1 s: pid \d+ \(application "tm-test-long-tx"/);
    expect((await migrationStatus(db.url, allMigrations, silentLogger)).applied).to.deep.equal([]);
  });

  it('notes connections above the threshold, naming the busy ones, and never stops for them', async function () {
    other = await openSession(db.url, 'tm-test-other-client');
    await other.query('BEGIN');
    await other.query('SELECT 1');
    const pid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const verdicts = await runPreflight(pool, { ...options, maxConnections: 0 });
    const connections = verdicts.find((v) => v.check === 'active connections');
    expect(connections?.status).to.equal('note');
    expect(connections?.detail).to.equal(
      `1 other connections (threshold 0): the database is in use; 1 busy: pid ${pid} (application "tm-test-other-client", idle in transaction) — going ahead (online steps, bounded lock waits)`);
    expect(() => enforceVerdicts(verdicts)).not.to.throw();
    await other.query('ROLLBACK');
  });

  it('`db migrate` on a live library (10 idle and 2 busy application connections) goes ahead with a note', async function () {
    const live = await createTestDatabase('tm_db_preflight_live');
    const sessions: pg.Client[] = [];
    try {
      for (let i = 0; i < 12; i++) sessions.push(await openSession(live.url, 'tracktion-app'));
      for (const busy of sessions.slice(0, 2)) {
        await busy.query('BEGIN');
        await busy.query('SELECT 1');
      }
      const env = testEnv({ DATABASE_URL: live.url });
      const result = await runCli(['db', 'migrate', '--to', BASELINE], { env });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr, result.stderr).to.match(/pre-flight {2}NOTE +active connections: 12 other connections \(threshold 5\): the database is in use; 2 busy: pid \d+ \(application "tracktion-app", idle in transaction\); pid \d+/);
      expect((await migrationStatus(live.url, allMigrations, silentLogger)).applied).to.deep.equal([BASELINE]);
    } finally {
      await Promise.all(sessions.map((s) => s.end()));
      await live.drop();
    }
  });

  it('nothing to do is never stopped by the pre-flight, even by an old transaction', async function () {
    const env = testEnv({ DATABASE_URL: db.url, PREFLIGHT_LONG_TRANSACTION_SECONDS: '1' });
    expect((await runCli(['db', 'migrate', '--to', BASELINE], { env })).code).to.equal(0);
    other = await openSession(db.url, 'tm-test-long-tx');
    await other.query('BEGIN');
    await other.query('SELECT txid_current()');
    await waitForTransactionOlderThan(1);
    const again = await runCli(['db', 'migrate', '--to', BASELINE], { env });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.match(/nothing to do/);
  });

  it('checks the backup disk only when a backup will be written, and aborts above the used-space limit', async function () {
    const skip = (await runPreflight(pool, options)).find((v) => v.check === 'backup disk');
    expect(skip?.status).to.equal('skip');
    const nothingToDo = (await runPreflight(pool, { ...options, backup: true, hasWork: false })).find((v) => v.check === 'backup disk');
    expect(nothingToDo?.status).to.equal('skip');
    const full = (await runPreflight(pool, { ...options, backup: true, maxDiskUsedPercent: 1 })).find((v) => v.check === 'backup disk');
    expect(full?.status).to.equal('abort');
    expect(full?.detail).to.match(/^database [\d.]+ \w+, free [\d.]+ \w+ at .+, [\d.]+% used: above 1% used$/);
  });

  it('checks the server\'s disk on this machine; says when it cannot: another host, or a role that cannot see data_directory', async function () {
    const here = (await runPreflight(pool, options)).find((v) => v.check === 'server disk');
    expect(here?.status).to.equal('ok');
    expect(here?.detail).to.match(/^data directory \/.+: free [\d.]+ \w+, [\d.]+% used$/);
    const elsewhere = (await runPreflight(pool, { ...options, databaseUrl: 'postgres://db.example.internal:5432/library' })).find((v) => v.check === 'server disk');
    expect(elsewhere).to.deep.equal({ check: 'server disk', status: 'note', detail: 'the server\'s data directory is not on this machine: its disk is not checked here' });

    const role = uniqueName('tm_preflight_role');
    await sql(db.url, `CREATE ROLE ${role} LOGIN`);
    const url = new URL(db.url);
    url.username = role;
    const plain = createPool(url.toString(), { applicationName: 'tm-test-preflight-plain', max: 1 });
    try {
      const hidden = (await runPreflight(plain, options)).find((v) => v.check === 'server disk');
      expect(hidden?.status).to.equal('note');
      expect(hidden?.detail).to.include('cannot be seen by this role (needs pg_read_all_settings): its disk is not checked here');
    } finally {
      await plain.end();
      await sql(db.url, `DROP ROLE ${role}`);
    }
  });
});
