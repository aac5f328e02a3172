import { expect } from 'chai';
import pg from 'pg';
import { readHealth } from '../../src/operations/throttle.js';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';

/**
 * The fleet role reads other sessions' statistics (the throttle's probes: lock waits on `tracks`, replication
 * lag) through pg_read_all_stats — and nothing more of pg_monitor: no server settings, no WAL listings.
 */
describe('least privilege: the fleet role reads statistics only', function () {
  this.timeout(120_000);
  const fleet = new FleetHarness();
  let roleUrl = '';
  const clients: pg.Client[] = [];
  const connect = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };

  before(async () => {
    await fleet.setUp(2000);
    await fleet.pool.query('ALTER ROLE tracktion_backfill LOGIN');
    const url = new URL(fleet.db.url);
    url.username = 'tracktion_backfill';
    roleUrl = url.toString();
  });
  after(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await fleet.tearDown();
  });

  it('is a member of pg_read_all_stats, not of pg_monitor: server settings and WAL listings are refused', async () => {
    const role = await connect(roleUrl);
    const { rows } = await role.query<{ monitor: boolean; stats: boolean }>(
      `SELECT pg_has_role('pg_monitor', 'MEMBER') AS monitor, pg_has_role('pg_read_all_stats', 'MEMBER') AS stats`);
    expect(rows[0]).to.deep.equal({ monitor: false, stats: true });
    for (const sql of ['SHOW data_directory', 'SELECT count(*) FROM pg_ls_waldir()']) {
      const error = await role.query(sql).then(() => undefined, (err: { code?: string }) => err);
      expect(error?.code, sql).to.equal('42501');
    }
  });

  it('the throttle\'s lock probe, run as the role, sees another role\'s session waiting on tracks', async () => {
    const holder = await connect(fleet.db.url);
    const waiter = await connect(fleet.db.url);
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE tracks IN ACCESS EXCLUSIVE MODE');
    const waiting = waiter.query('SELECT count(*) FROM tracks').catch(() => undefined);
    const rolePool = new pg.Pool({ connectionString: roleUrl, max: 1 });
    try {
      await fleet.waitFor(async () => (await readHealth(rolePool, 0)).lockWaiters >= 1, 'the probe to see the waiting session', 20_000);
    } finally {
      await holder.query('ROLLBACK');
      await waiting;
      await rolePool.end();
    }
  });

  it('backfills as the role', async () => {
    const asRole = { DATABASE_URL: roleUrl };
    fleet.start(['producer'], asRole);
    fleet.start(['consumer'], asRole);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, jobId);
  });
});
