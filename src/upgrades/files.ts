import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorCode } from '../shared/errors.js';
import { InvalidFileError } from './errors.js';

/**
 * The I/O edge of both migrate commands: read a file with its permissions, write a backup that never
 * replaces another backup, and replace the file atomically (temporary file in the same directory, then
 * rename) with its original mode. Files written here may hold secrets: they are created 0600 and only then
 * given the original file's mode, never anything wider.
 */

export interface Snapshot {
  path: string;
  bytes: Buffer;
  /** Permission bits (0o777) of the original. */
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  size: number;
}

/** The file as it is now, or undefined when there is no such file. */
export async function readSnapshot(path: string): Promise<Snapshot | undefined> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  if (!stat.isFile()) throw new InvalidFileError(`${path}: not a regular file`);
  const bytes = await fs.readFile(path);
  return { path, bytes, mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid, mtimeMs: stat.mtimeMs, size: stat.size };
}

/**
 * Copy the original bytes to `<file>.<label>.backup`; when that exists, to `<file>.<label>.<UTC time>.backup`
 * (then `-2`, `-3` …). Exclusive creation: an existing backup is never overwritten. Returns the path.
 */
export async function writeBackup(snapshot: Snapshot, label: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  const candidates = [`${snapshot.path}.${label}.backup`, `${snapshot.path}.${label}.${stamp}.backup`];
  for (let n = 2; n <= 100; n += 1) candidates.push(`${snapshot.path}.${label}.${stamp}-${n}.backup`);
  for (const candidate of candidates) {
    try {
      await writeNewFile(candidate, snapshot.bytes, snapshot);
      return candidate;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
  }
  throw new InvalidFileError(`${snapshot.path}: could not find a free backup name next to it`);
}

/** Replace the file with `bytes` atomically, keeping its mode (and owner, where the process may set it). */
export async function replaceAtomically(snapshot: Snapshot, bytes: Buffer): Promise<void> {
  const target = await fs.realpath(snapshot.path); // a symlink stays a symlink; its target is replaced
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await writeNewFile(temp, bytes, snapshot);
  try {
    const now = await fs.stat(target);
    if (now.mtimeMs !== snapshot.mtimeMs || now.size !== snapshot.size) {
      throw new InvalidFileError(`${snapshot.path}: changed while it was being migrated; left as it is now — run again`);
    }
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dirname(target));
}

/** Create a file that must not exist yet: 0600 while written, then the original's mode; synced to disk. */
async function writeNewFile(path: string, bytes: Buffer, like: Snapshot): Promise<void> {
  const handle = await fs.open(path, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.chmod(like.mode);
    if (like.uid !== process.getuid?.() || like.gid !== process.getgid?.()) {
      await handle.chown(like.uid, like.gid).catch(() => undefined); // only root may give files away
    }
    await handle.sync();
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(path, { force: true });
    throw err;
  }
}

/** Make the rename itself durable; not every platform can open a directory, which is fine. */
async function syncDirectory(path: string): Promise<void> {
  try {
    const handle = await fs.open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
