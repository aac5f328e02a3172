import { expect } from 'chai';
import { parse as parseDotenv } from 'dotenv';
import { readdir, readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { ENV_V1, ENV_V2, ENV_V21 } from './fixtures.js';
import { fingerprint, makeTempDir, modeOf, writeFixture } from './helpers.js';

/** `tracktion-migrate env migrate`, run as an operator runs it, in a temporary working directory. */

const OLD = new Date('2020-01-01T00:00:00Z');
const SECRETS = ['p@ss w#rd', 'p%40ss%20w%23rd', 'redis-secret', 'mq:secret', 'mq%3Asecret', 'jwt-secret-value'];

async function aged(dir: string, name: string, text: string, mode = 0o600): Promise<string> {
  const path = await writeFixture(dir, name, text, mode);
  await utimes(path, OLD, OLD);
  return path;
}

describe('tracktion-migrate env migrate', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('env-cli'));
  });
  afterEach(async () => cleanup());

  it('default set: migrates v1 and v2, leaves v2_1 alone, keeps 0600, backs up with the old version', async () => {
    const env = await aged(dir, '.env', ENV_V1, 0o600);
    const dev = await aged(dir, '.env.development', ENV_V2, 0o640);
    const prod = await aged(dir, '.env.production', ENV_V21);
    const prodBefore = await fingerprint(prod);
    const result = await runCli(['env', 'migrate'], { cwd: dir });
    expect(result.stdout.split('\n')).to.deep.equal([
      '.env: migrated v1 -> v2_1 (backup: .env.v1.backup)',
      '.env.development: migrated v2 -> v2_1 (backup: .env.development.v2.backup)',
      '.env.production: already current (v2_1)',
      '.env.testing: not found',
      '3/3 files migrated successfully',
      '',
    ]);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.include('tracktion-migrate: warning: .env: ENCRYPTION_MASTER_KEY was written as the placeholder ${GENERATE_RANDOM_KEY}');
    expect(parseDotenv(await readFile(env))).to.deep.include({ ...parseDotenv(ENV_V1), ENCRYPTION_MASTER_KEY: '${GENERATE_RANDOM_KEY}' });
    expect(await readFile(join(dir, '.env.v1.backup'), 'utf8')).to.equal(ENV_V1);
    expect(await modeOf(env)).to.equal(0o600);
    expect(await modeOf(join(dir, '.env.v1.backup'))).to.equal(0o600);
    expect(await modeOf(dev)).to.equal(0o640);
    expect(await modeOf(join(dir, '.env.development.v2.backup'))).to.equal(0o640);
    expect(await fingerprint(prod)).to.deep.equal(prodBefore);
    for (const secret of SECRETS) expect(result.stdout + result.stderr, secret).to.not.include(secret);
  });

  it('--dry-run prints a diff with every secret masked and writes nothing', async () => {
    const env = await aged(dir, '.env.production', ENV_V1);
    const before = await fingerprint(env);
    const result = await runCli(['env', 'migrate', '--dry-run', '.env.production'], { cwd: dir });
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include('--- .env.production\tcurrent\n+++ .env.production\tmigrated\n');
    expect(result.stdout).to.include('+# Tracktion Environment Configuration - Version v2_1\n');
    expect(result.stdout).to.include('DB_PASSWORD=***');
    expect(result.stdout).to.include('+DATABASE_URL=postgresql://tracktion:***@db.internal:5433/music\n');
    for (const secret of SECRETS) expect(result.stdout + result.stderr, secret).to.not.include(secret);
    expect(await fingerprint(env)).to.deep.equal(before);
    expect(await readdir(dir)).to.deep.equal(['.env.production']);
  });

  it('--generate-secrets writes a fresh 32-byte key and never prints it', async () => {
    const env = await aged(dir, '.env', ENV_V2);
    const result = await runCli(['env', 'migrate', '--generate-secrets', '--json', '.env'], { cwd: dir });
    expect(result.code).to.equal(0);
    const key = parseDotenv(await readFile(env)).ENCRYPTION_MASTER_KEY!;
    expect(Buffer.from(key, 'base64')).to.have.length(32);
    expect(key).to.match(/^[A-Za-z0-9+/]{43}=$/);
    expect(result.stdout + result.stderr).to.not.include(key);
    const report = JSON.parse(result.stdout) as { files: { warnings: string[] }[] };
    expect(report).to.deep.include({ command: 'env migrate', target: 'v2_1', message: '1/1 files migrated successfully' });
    expect(report.files[0]).to.deep.include({ path: '.env', status: 'migrated', from: 'v2', to: 'v2_1', backup: '.env.v2.backup', warnings: [] });
  });

  it('never invents a password: a placeholder and a warning', async () => {
    const env = await aged(dir, '.env', 'DB_HOST=db\n');
    const result = await runCli(['env', 'migrate', '--to', 'v2', '.env'], { cwd: dir });
    expect(result.code).to.equal(0);
    expect(parseDotenv(await readFile(env)).DATABASE_URL).to.equal('postgresql://tracktion:${DB_PASSWORD}@db:5432/tracktion');
    expect(result.stderr).to.include('warning: .env: DB_PASSWORD is not set');
    expect(await readFile(env, 'utf8')).to.match(/^# Tracktion Environment Configuration - Version v2\n# Migrated on \d{4}-\d\d-\d\dT/);
  });

  it('is idempotent: the second run leaves the file and its backups alone', async () => {
    const env = await aged(dir, '.env', ENV_V1);
    expect((await runCli(['env', 'migrate', '.env'], { cwd: dir })).code).to.equal(0);
    await utimes(env, OLD, OLD);
    const after = await fingerprint(env);
    const second = await runCli(['env', 'migrate', '.env'], { cwd: dir });
    expect(second.stdout).to.equal('.env: already current (v2_1)\n1/1 files migrated successfully\n');
    expect(await fingerprint(env)).to.deep.equal(after);
    expect((await readdir(dir)).sort()).to.deep.equal(['.env', '.env.v1.backup']);
  });

  it('a named file that does not exist counts as a failure (exit 2)', async () => {
    const result = await runCli(['env', 'migrate', 'nope.env'], { cwd: dir });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal('nope.env: not found\n0/1 files migrated successfully\n');
  });

  it('an unknown --to is a usage error; --help shows the examples', async () => {
    const bad = await runCli(['env', 'migrate', '--to', 'v3'], { cwd: dir });
    expect(bad.code).to.equal(64);
    expect(bad.stderr).to.include('--to: unknown .env version "v3" (known versions: v1, v2, v2_1)');
    const help = await runCli(['env', 'migrate', '--help'], { cwd: dir });
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('Examples:\n  $ tracktion-migrate env migrate --dry-run');
  });
});
