import { expect } from 'chai';
import type pg from 'pg';
import { migrate } from '../../src/schema/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, BASELINE, openSession, silentLogger } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/** The blocking session's SQL can hold a password: a lock failure names the session, never what it ran. */
describe('db migrations: the lock failure message and other sessions\' SQL', function () {
  let db: TestDatabase;
  let holder: pg.Client;

  before(async () => {
    db = await createTestDatabase('tm_db_lock_sql');
    await migrate(db.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
    holder = await openSession(db.url, 'tm-test-lock-holder');
  });
  after(async () => {
    await holder.end();
    await db.drop();
  });

  it('names the blocker by pid, application, state and query start, without its query text', async () => {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE tracks IN ACCESS EXCLUSIVE MODE');
    await holder.query(`SELECT 'ALTER ROLE app PASSWORD ''hunter2''' AS secret_marker`);
    const settings = { lockTimeoutMs: 100, onlineLockTimeoutMs: 100, lockRetries: 0, lockRetryDelayMs: 10 };
    const err = await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger, settings }).catch((e: unknown) => e);
    await holder.query('ROLLBACK');
    const message = (err as Error).message;
    expect(message).to.match(/pid \d+ \(application "tm-test-lock-holder", state "idle in transaction", query started \d{4}-/);
    expect(message).to.not.include('hunter2').and.to.not.include('secret_marker');
  });
});
