import { expect } from 'chai';
import type pg from 'pg';
import { migrate } from '../../src/schema/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, BASELINE, openSession, silentLogger, sql } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * CREATE INDEX CONCURRENTLY waits for every transaction with an older snapshot. When that wait times out,
 * PostgreSQL keeps the half-built index, INVALID; `IF NOT EXISTS` alone would then skip it for good. The
 * step must drop it and build again, on the retry and on a later run.
 */
describe('db migrations: a concurrent index build that times out', function () {
  let db: TestDatabase;
  let holder: pg.Client | undefined;

  before(async function () {
    db = await createTestDatabase('tm_db_cic');
    await migrate(db.url, { revisions: allMigrations, to: BASELINE, logger: silentLogger });
  });
  after(async () => {
    await holder?.end();
    await db.drop();
  });

  it('stops naming the old snapshot, leaves nothing INVALID behind after a re-run', async function () {
    holder = await openSession(db.url, 'tm-test-old-snapshot');
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await holder.query('SELECT count(*) FROM pg_class');
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

    const settings = { lockTimeoutMs: 2000, onlineLockTimeoutMs: 300, lockRetries: 1, lockRetryDelayMs: 50 };
    const err = await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger, settings }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.include('for step "create index ix_tracks_energy_level"');
    expect((err as Error).message).to.include(`pid ${holderPid} (application "tm-test-old-snapshot"`);
    const left = await sql(db.url, `SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('ix_tracks_energy_level')`);
    expect(left.rows).to.deep.equal([{ indisvalid: false }]);

    await holder.query('COMMIT');
    const rerun = await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger, settings });
    expect(rerun.done).to.deep.equal([ANALYSIS_FIELDS]);
    const invalid = await sql(db.url, `SELECT count(*)::int AS n FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE NOT x.indisvalid`);
    expect(invalid.rows[0].n).to.equal(0);
    const all = await sql(db.url, `SELECT count(*)::int AS n FROM pg_indexes WHERE indexname LIKE 'ix\\_%'`);
    expect(all.rows[0].n).to.equal(6);
  });
});
