import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import pg from 'pg';
import { ADMIN_DATABASE_URL, uniqueName } from '../helpers/isolation.js';
import { waitFor } from '../helpers/waitFor.js';
import { dashboardUrlOf } from '../dashboard/helpers.js';
import { FleetHarness } from '../fleet/fleetHarness.js';
import { expectDatabaseMatchesConversion } from '../fleet/expectedState.js';

/**
 * The compose fleet's way in: the owner runs `db fleet-login` for a login that has exactly tracktion_backfill's
 * grants (a role of this test, IN ROLE tracktion_backfill: roles are cluster-wide and other tests use the real
 * one), then producer, consumer, `backfill enqueue` / `status` and the dashboard all run as that login.
 */
describe('db fleet-login, then a whole backfill as the fleet login', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  const role = uniqueName('tm_fleet_login');
  const password = 'fleet-login-e2e-password-0123';
  let roleUrl = '';

  before(async () => {
    await fleet.setUp(3000);
    await fleet.pool.query(`CREATE ROLE ${role} NOLOGIN IN ROLE tracktion_backfill`);
  });
  after(async () => {
    await fleet.tearDown();
    // After the database is gone, nothing in it refers to the role any more.
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
  });

  it('the owner gives the login; it is not a superuser and holds only the fleet role', async () => {
    const result = await runCli(['db', 'fleet-login', '--role', role, '--json'], { env: fleet.env({ FLEET_DATABASE_PASSWORD: password }) });
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({ role, hadLogin: false, passwordChanged: true });
    const { rows } = await fleet.pool.query<{ rolcanlogin: boolean; rolsuper: boolean; member_of: string[] }>(
      `SELECT r.rolcanlogin, r.rolsuper, array(SELECT m.roleid::regrole::text FROM pg_auth_members m WHERE m.member = r.oid) AS member_of
         FROM pg_roles r WHERE r.rolname = $1`, [role]);
    expect(rows[0]).to.deep.equal({ rolcanlogin: true, rolsuper: false, member_of: ['tracktion_backfill'] });
    const url = new URL(fleet.db.url);
    url.username = role;
    url.password = password;
    roleUrl = url.toString();
  });

  it('backfills with producer, consumer, enqueue and status all as the login, and the dashboard reads the job', async () => {
    const asRole = { DATABASE_URL: roleUrl };
    fleet.start(['producer'], asRole);
    fleet.start(['consumer'], asRole);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env(asRole) });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, jobId);

    const status = await runCli(['backfill', 'status', String(jobId), '--json'], { env: fleet.env(asRole) });
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.include('"completed"');

    const dashboard = fleet.start(['dashboard', '--port', '0'], asRole);
    const base = await dashboardUrlOf(dashboard);
    type State = { view: { jobs: { jobId: number; state: string }[]; sampleError: string | null } | null };
    const view = await waitFor(async () => {
      const state = (await (await fetch(`${base}/api/state`)).json()) as State;
      return state.view?.jobs.some((j) => j.jobId === jobId && j.state === 'completed') ? state.view : undefined;
    }, { what: 'the dashboard to show the completed job', timeoutMs: 30_000 });
    expect(view.sampleError).to.equal(null);
    const sessions = await fleet.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND application_name = 'tracktion-dashboard'`, [role]);
    expect(sessions.rows[0]?.n, 'the dashboard is connected as the login').to.be.greaterThan(0);
  });
});
