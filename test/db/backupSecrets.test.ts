import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { backupDatabase, restoreDatabase } from '../../src/schema/backup.js';
import { ADMIN_DATABASE_URL, createTestDatabase, type TestDatabase } from '../helpers/isolation.js';

/**
 * pg_dump / pg_restore get the connection through libpq's environment, never argv (argv is visible to every
 * user in `ps`), and the dump — a full copy of the data — is readable by its owner only. The real tools run;
 * a shim in front of them on PATH records the argv each was started with.
 */
describe('db backup and restore keep secrets out of argv and the dump private', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  const work = mkdtempSync(join(tmpdir(), 'tm-backup-'));
  const argvLog = join(work, 'argv.log');
  const savedPath = process.env.PATH;
  const kept: string[] = [];

  before(async () => {
    db = await createTestDatabase('tm_backup');
    for (const tool of ['pg_dump', 'pg_restore']) {
      const real = join('/usr/bin', tool);
      writeFileSync(join(work, tool), `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${argvLog}'\nexec ${real} "$@"\n`);
      chmodSync(join(work, tool), 0o755);
    }
    process.env.PATH = `${work}:${savedPath ?? ''}`;
  });
  after(async () => {
    process.env.PATH = savedPath;
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    try {
      for (const name of kept) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  });

  let dump = '';

  it('pg_dump: a ?password= in DATABASE_URL never reaches argv', async () => {
    dump = (await backupDatabase(`${db.url}?password=hunter2-in-query&application_name=tm-test`, join(work, 'backups'))).file;
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).to.match(/^pg_dump /m).and.to.not.include('hunter2');
  });

  it('the dump is 0600, in a directory others cannot read', () => {
    expect(statSync(dump).mode & 0o777, 'dump file mode').to.equal(0o600);
    expect(statSync(join(work, 'backups')).mode & 0o007, 'no access for others to the backup directory').to.equal(0);
  });

  it('pg_restore: neither the URL password nor a ?password= reaches argv', async () => {
    const restored = await restoreDatabase(`postgres://postgres:hunter2-in-userinfo@127.0.0.1:5432/${db.name}?password=hunter2-in-query`, dump);
    kept.push(restored.keptAs);
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).to.match(/^pg_restore /m).and.to.not.include('hunter2');
  });
});
