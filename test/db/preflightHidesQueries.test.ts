import { expect } from 'chai';
import type pg from 'pg';
import { createPool } from '../../src/shared/db/pool.js';
import { checkLongTransactions } from '../../src/schema/preflight.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { openSession } from './catalog.js';

/** Another session's SQL can hold a password: the pre-flight names the session, never what it runs. */
describe('db pre-flight: other sessions\' SQL', function () {
  let db: TestDatabase;
  let pool: pg.Pool;
  let other: pg.Client;

  before(async () => {
    db = await createTestDatabase('tm_db_preflight_sql');
    pool = createPool(db.url, { applicationName: 'tm-test-preflight', max: 1 });
    other = await openSession(db.url, 'tm-test-long-tx');
  });
  after(async () => {
    await other.end();
    await pool.end();
    await db.drop();
  });

  it('names a long transaction by pid, application, state and age, never by its query text', async () => {
    await other.query('BEGIN');
    await other.query(`SELECT 'ALTER ROLE app PASSWORD ''hunter2''' AS secret_marker, txid_current()`);
    const pid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await other.query(`SELECT 'hunter2' AS secret_marker`);

    // Threshold 0: any open transaction of another session counts, no waiting needed.
    const verdict = await checkLongTransactions(pool, 0);
    expect(verdict.status).to.equal('abort');
    expect(verdict.detail).to.match(new RegExp(`pid ${pid} \\(application "tm-test-long-tx", idle in transaction, open \\d+ s\\)`));
    expect(verdict.detail).to.not.include('hunter2').and.to.not.include('secret_marker').and.to.not.include('SELECT');
  });
});
