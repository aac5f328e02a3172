import { expect } from 'chai';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCli } from '../helpers/cli.js';
import { testEnv } from '../helpers/isolation.js';
import { ScramPostgres } from './scramPostgres.js';

/**
 * `db fleet-login` on a cluster that asks TCP clients for a SCRAM-SHA-256 password: the fleet's role can then
 * log in with FLEET_DATABASE_PASSWORD, and the password itself never reaches the server (only its verifier).
 */
describe('db fleet-login: the fleet role gets a login without the password leaving the tool', function () {
  this.timeout(60_000);
  const cluster = new ScramPostgres();
  const files = mkdtempSync(join(tmpdir(), 'tm-fleet-login-'));
  const password = 'first-fleet-password-0123456789';
  const second = 'second.fleet_password~9876543210';

  const fleetLogin = (env: Record<string, string>, args: string[] = []) =>
    runCli(['db', 'fleet-login', ...args], { env: testEnv({ DATABASE_URL: cluster.ownerUrl, ...env }) });
  const owner = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: cluster.ownerUrl });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  /** Log in over TCP as `role` with `secret`: the role's name, or the server's error code. */
  const loginAs = async (role: string, secret: string): Promise<string> => {
    const client = new pg.Client({ connectionString: cluster.url(role, secret) });
    try {
      await client.connect();
      return (await client.query<{ user: string }>('SELECT current_user AS user')).rows[0]?.user ?? '';
    } catch (err) {
      return `error ${(err as { code?: string }).code ?? String(err)}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const storedVerifier = async (role: string) =>
    (await owner<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]))[0]?.rolpassword ?? null;

  before(async () => {
    await cluster.start();
    // What BackfillRole1732500004000 does on a real database: the role exists, without a login.
    await owner('CREATE ROLE tracktion_backfill NOLOGIN');
    await owner('CREATE ROLE tm_not_fleet NOLOGIN');
  });
  after(async () => {
    await cluster.stop();
    rmSync(files, { recursive: true, force: true });
  });

  it('refuses a missing or too short password before touching the role (exit 78, naming the variable)', async () => {
    const missing = await fleetLogin({});
    expect(missing.code).to.equal(78);
    expect(missing.stderr).to.include('FLEET_DATABASE_PASSWORD is not set');
    const short = await fleetLogin({ FLEET_DATABASE_PASSWORD: 'too-short' });
    expect(short.code).to.equal(78);
    expect(short.stderr).to.include('FLEET_DATABASE_PASSWORD: must be at least 16 characters').and.not.include('too-short');
    const rows = await owner<{ rolcanlogin: boolean }>("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'tracktion_backfill'");
    expect(rows[0]?.rolcanlogin).to.equal(false);
    expect(await loginAs('tracktion_backfill', password)).to.equal('error 28P01');
  });

  it('gives tracktion_backfill LOGIN and the password, stored as a SCRAM-SHA-256 verifier of it', async () => {
    const result = await fleetLogin({ FLEET_DATABASE_PASSWORD: password }, ['--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({ role: 'tracktion_backfill', hadLogin: false, passwordChanged: true });
    expect(result.stdout + result.stderr).not.to.include(password);

    expect(await loginAs('tracktion_backfill', password)).to.equal('tracktion_backfill');
    expect(await loginAs('tracktion_backfill', `${password}x`)).to.equal('error 28P01');

    // Recomputed here from RFC 5802/7677, independently of the tool's code.
    const parts = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec((await storedVerifier('tracktion_backfill')) ?? '');
    expect(parts, 'a SCRAM-SHA-256 verifier with 4096 iterations').to.not.equal(null);
    const [, salt, storedKey, serverKey] = parts as RegExpExecArray;
    const salted = pbkdf2Sync(password, Buffer.from(salt as string, 'base64'), 4096, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    expect(Buffer.from(salt as string, 'base64')).to.have.length(16);
    expect(createHash('sha256').update(clientKey).digest().toString('base64')).to.equal(storedKey);
    expect(createHmac('sha256', salted).update('Server Key').digest().toString('base64')).to.equal(serverKey);
  });

  it('sends the server the verifier, never the password: the statement log holds ALTER ROLE without it', () => {
    const log = cluster.serverLog();
    expect(log).to.match(/ALTER ROLE "tracktion_backfill" LOGIN PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(log).not.to.include(password);
  });

  it('changes nothing when run again with the same password (the same verifier stays)', async () => {
    const before = await storedVerifier('tracktion_backfill');
    const result = await fleetLogin({ FLEET_DATABASE_PASSWORD: password }, ['--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({ role: 'tracktion_backfill', hadLogin: true, passwordChanged: false });
    expect(await storedVerifier('tracktion_backfill')).to.equal(before);
  });

  it('replaces the password with the one in FLEET_DATABASE_PASSWORD_FILE; the old one no longer logs in', async () => {
    const file = join(files, 'fleet-password');
    writeFileSync(file, `${second}\n`);
    const result = await fleetLogin({ FLEET_DATABASE_PASSWORD_FILE: file });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include('password replaced').and.not.include(second);
    expect(await loginAs('tracktion_backfill', second)).to.equal('tracktion_backfill');
    expect(await loginAs('tracktion_backfill', password)).to.equal('error 28P01');
    const both = await fleetLogin({ FLEET_DATABASE_PASSWORD: password, FLEET_DATABASE_PASSWORD_FILE: file });
    expect(both.code).to.equal(78);
    expect(both.stderr).to.include('FLEET_DATABASE_PASSWORD and FLEET_DATABASE_PASSWORD_FILE are both set');
  });

  it('refuses a role that is a superuser, is not in the fleet role, or does not exist (exit 1), changing nothing', async () => {
    const ownerVerifier = await storedVerifier('postgres');
    for (const [role, reason] of [['postgres', 'is a superuser'], ['tm_not_fleet', 'is not tracktion_backfill nor a member of it'], ['tm_nobody', 'does not exist']]) {
      const result = await fleetLogin({ FLEET_DATABASE_PASSWORD: password }, ['--role', role as string]);
      expect(result.code, role).to.equal(1);
      expect(result.stderr, role).to.include(`role ${role} ${reason}`);
    }
    expect(await storedVerifier('postgres')).to.equal(ownerVerifier);
    expect(await loginAs('tm_not_fleet', password)).to.equal('error 28P01');
  });
});
