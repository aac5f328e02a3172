import { expect } from 'chai';
import type pg from 'pg';
import { migrate, migrationStatus } from '../../src/schema/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, BASELINE, openSession, silentLogger } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

describe('db migrations: a lock that cannot be had', function () {
  let db: TestDatabase;
  let holder: pg.Client | undefined;

  before(async function () {
    db = await createTestDatabase('tm_db_locks');
    await migrate(db.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
  });
  afterEach(async () => {
    await holder?.end();
    holder = undefined;
  });
  after(async () => db.drop());

  it('retries with backoff, then stops naming the blocking session, and a re-run completes once it is gone', async function () {
    holder = await openSession(db.url, 'tm-test-lock-holder');
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE tracks IN ACCESS EXCLUSIVE MODE');
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

    const started = Date.now();
    const settings = { lockTimeoutMs: 150, onlineLockTimeoutMs: 150, lockRetries: 2, lockRetryDelayMs: 50 };
    const err = await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger, settings }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;

    expect(err).to.be.instanceOf(Error);
    const message = (err as Error).message;
    expect(message).to.include('could not lock table "tracks" for step "add analysis columns to tracks"');
    expect(message).to.include('3 attempt(s)');
    expect(message).to.include(`pid ${holderPid} (application "tm-test-lock-holder"`);
    expect(message).to.match(/query started \d{4}-\d\d-\d\dT/);
    expect(message).to.include(`applied: ${BASELINE}`);
    // 3 waits of 150 ms plus backoffs of 50 and 100 ms, and connection set-up: never a silent hang.
    expect(elapsed).to.be.lessThan(5000);

    await holder.query('ROLLBACK');
    const rerun = await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger, settings });
    expect(rerun.done).to.deep.equal([ANALYSIS_FIELDS]);
    expect((await migrationStatus(db.url, allMigrations, silentLogger)).applied).to.deep.equal([BASELINE, ANALYSIS_FIELDS]);
  });

  it('lets only one migrate run at a time', async function () {
    holder = await openSession(db.url, 'tm-test-other-migrator');
    await holder.query('SELECT pg_advisory_lock(1953653099)');
    const err = await migrate(db.url, { revisions: allMigrations, logger: silentLogger }).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/another migrate or rollback is running on this database: pid \d+ \(application "tm-test-other-migrator"\)/);
  });
});
