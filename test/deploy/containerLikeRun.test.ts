import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { MIGRATIONS_TABLE } from '../../src/schema/dataSource.js';

/**
 * The built CLI run the way the image runs it: an unprivileged user, a read-only root filesystem, the code
 * read-only (as /app is), and only BACKUP_DIR writable (the volume the deployments mount there). `db migrate`
 * then backs up into BACKUP_DIR and migrates; with BACKUP_DIR on the read-only root the pre-flight stops it
 * before anything changes. Needs root to build the namespace (CI runs as root): without it the test fails.
 */

/** An unprivileged uid/gid that exists on every Debian machine (nobody:nogroup); no user is created. */
const UID = 65534;

/**
 * Inside a private mount namespace, as root: $APP laid out as the image's /app (package.json, dist, node_modules
 * of the repository, read-only; a tmpfs of its own, so the checkout's folder may be root's only), $WRITABLE
 * (if any) its own writable mount, then / read-only; then the CLI as UID with no groups and no way back.
 */
const NAMESPACE_SCRIPT = `
set -eu
mount -t tmpfs -o mode=0755,size=1m tmpfs "$APP"
cp "$REPO/package.json" "$APP/package.json"
for dir in dist node_modules; do
  mkdir "$APP/$dir"
  mount --bind "$REPO/$dir" "$APP/$dir"
  mount -o remount,bind,ro "$APP/$dir"
done
mount -o remount,ro "$APP"
if [ -n "$WRITABLE" ]; then mount --bind "$WRITABLE" "$WRITABLE"; fi
mount -o remount,bind,ro /
if touch "$(dirname "$APP")/rootfs-probe" 2>/dev/null; then echo "the root filesystem is still writable" >&2; exit 90; fi
cd "$APP"
exec setpriv --reuid=${UID} --regid=${UID} --clear-groups --no-new-privs "$NODE" --max-semi-space-size=2 dist/src/cli/main.js "$@"
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('a container-like run: non-root, read-only root filesystem, BACKUP_DIR the only writable place', function () {
  this.timeout(120_000);
  const root = mkdtempSync(join(tmpdir(), 'tm-container-'));
  const app = join(root, 'app');
  const backups = join(root, 'backups');
  const readOnlyBackups = join(root, 'backups-on-the-read-only-root');
  const databases: TestDatabase[] = [];

  /** The built CLI with `args`, as the image's user, against `db`; BACKUP_DIR and what is writable as given. */
  function runContained(args: string[], db: TestDatabase, backupDir: string, writable: string): Run {
    const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', NAMESPACE_SCRIPT, 'sh', ...args], {
      encoding: 'utf8',
      timeout: 90_000,
      env: {
        PATH: process.env.PATH, REPO: resolve('.'), APP: app, WRITABLE: writable, NODE: process.execPath,
        // The image's environment, and this test's database and backup folder.
        NODE_ENV: 'production', HOME: '/nonexistent', LOG_LEVEL: 'warn', TRACKTION_ENV_FILE: '',
        DATABASE_URL: db.url, BACKUP_DIR: backupDir,
      },
    });
    if (run.error) throw new Error(`unshare could not run (${run.error.message}): this test needs util-linux's unshare and setpriv, as root`);
    if (/unshare: |setpriv: |mount: /.test(run.stderr)) {
      throw new Error(`the namespace could not be built (this test needs root: mount namespaces, mount, setpriv):\n${run.stderr}`);
    }
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  async function appliedRevisions(db: TestDatabase): Promise<number> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const table = await client.query('SELECT to_regclass($1) AS t', [MIGRATIONS_TABLE]);
      if (table.rows[0]?.t === null) return 0;
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`);
      return rows[0]?.n ?? 0;
    } finally {
      await client.end();
    }
  }

  before(() => {
    expect(process.getuid?.(), 'run as root (as CI does): building the namespace needs it').to.equal(0);
    chmodSync(root, 0o755);
    mkdirSync(app);
    for (const dir of [backups, readOnlyBackups]) {
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, UID, UID);
    }
  });
  after(async () => {
    for (const db of databases) await db.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('db migrate writes its backup into BACKUP_DIR, owned by the user, and migrates (exit 0)', async () => {
    const db = await createTestDatabase('tm_container');
    databases.push(db);
    const run = runContained(['db', 'migrate', '--json'], db, backups, backups);
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as { backup: string | null; done: string[] };
    expect(report.backup, 'the backup file').to.be.a('string');
    expect(report.backup?.startsWith(`${backups}/`), String(report.backup)).to.equal(true);
    expect(readdirSync(backups)).to.deep.equal([report.backup?.slice(backups.length + 1)]);
    const dump = statSync(report.backup ?? '');
    expect(dump.uid, 'written by the unprivileged user').to.equal(UID);
    expect(dump.size).to.be.greaterThan(0);
    const listing = spawnSync('pg_restore', ['--list', report.backup ?? ''], { encoding: 'utf8' });
    expect(listing.status, listing.stderr).to.equal(0);
    expect(report.done.length, 'revisions applied').to.be.greaterThan(0);
    expect(await appliedRevisions(db)).to.equal(report.done.length);
  });

  it('with BACKUP_DIR on the read-only root, the pre-flight stops db migrate before any change, naming the folder', async () => {
    const db = await createTestDatabase('tm_container');
    databases.push(db);
    const run = runContained(['db', 'migrate'], db, readOnlyBackups, '');
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.include(`pre-flight stopped the command: backup disk: the backup directory ${readOnlyBackups} cannot be written (EROFS)`);
    expect(readdirSync(readOnlyBackups)).to.deep.equal([]);
    expect(await appliedRevisions(db), 'no revision applied').to.equal(0);
  });
});
