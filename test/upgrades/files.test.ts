import { expect } from 'chai';
import { readdir, readFile, readlink, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSnapshot, replaceAtomically, writeBackup } from '../../src/upgrades/files.js';
import { makeTempDir, modeOf, writeFixture } from './helpers.js';

/** Backups that never replace another backup, atomic replacement that keeps the file's permissions. */

describe('upgrade file I/O', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('files'));
  });
  afterEach(async () => cleanup());

  it('reads nothing for a missing file, and refuses a directory', async () => {
    expect(await readSnapshot(join(dir, 'missing.yaml'))).to.equal(undefined);
    let error: unknown;
    await readSnapshot(dir).catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/not a regular file/);
  });

  it('backs up to <file>.<version>.backup with the same bytes and permissions (0600 stays 0600)', async () => {
    const path = await writeFixture(dir, '.env.production', 'SECRET=1\n', 0o600);
    const snapshot = (await readSnapshot(path))!;
    const backup = await writeBackup(snapshot, 'v1', new Date('2024-06-01T12:00:00.000Z'));
    expect(backup).to.equal(`${path}.v1.backup`);
    expect(await readFile(backup, 'utf8')).to.equal('SECRET=1\n');
    expect(await modeOf(backup)).to.equal(0o600);
  });

  it('never overwrites an existing backup: a timestamped name, then a numbered one', async () => {
    const path = await writeFixture(dir, 'development.yaml', 'version: 1.0\n', 0o640);
    await writeFile(`${path}.1.0.backup`, 'older backup\n');
    const snapshot = (await readSnapshot(path))!;
    const now = new Date('2024-06-01T12:00:00.123Z');
    const second = await writeBackup(snapshot, '1.0', now);
    const third = await writeBackup(snapshot, '1.0', now);
    expect(second).to.equal(`${path}.1.0.20240601T120000123Z.backup`);
    expect(third).to.equal(`${path}.1.0.20240601T120000123Z-2.backup`);
    expect(await readFile(`${path}.1.0.backup`, 'utf8')).to.equal('older backup\n');
    expect(await readFile(second, 'utf8')).to.equal('version: 1.0\n');
    expect(await modeOf(second)).to.equal(0o640);
  });

  it('replaces atomically, keeping the mode and leaving no temporary file', async () => {
    for (const mode of [0o600, 0o640, 0o644]) {
      const path = await writeFixture(dir, `f${mode.toString(8)}.yaml`, 'old\n', mode);
      await replaceAtomically((await readSnapshot(path))!, Buffer.from('new\n'));
      expect(await readFile(path, 'utf8')).to.equal('new\n');
      expect(await modeOf(path)).to.equal(mode);
    }
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('replaces the target of a symlink and keeps the link', async () => {
    const target = await writeFixture(dir, 'real.yaml', 'old\n', 0o600);
    const link = join(dir, 'link.yaml');
    await symlink('real.yaml', link);
    await replaceAtomically((await readSnapshot(link))!, Buffer.from('new\n'));
    expect(await readlink(link)).to.equal('real.yaml');
    expect(await readFile(target, 'utf8')).to.equal('new\n');
  });

  it('does not replace a file that changed after it was read', async () => {
    const path = await writeFixture(dir, 'busy.yaml', 'old\n');
    const snapshot = (await readSnapshot(path))!;
    await writeFile(path, 'edited by someone else\n');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    let error: unknown;
    await replaceAtomically(snapshot, Buffer.from('migrated\n')).catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/busy\.yaml: changed while it was being migrated/);
    expect(await readFile(path, 'utf8')).to.equal('edited by someone else\n');
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });
});
