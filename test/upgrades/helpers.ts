import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh directory under the system temp dir, removed by `cleanup`. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `tm-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeFixture(dir: string, name: string, text: string, mode = 0o644): Promise<string> {
  const path = join(dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode });
  return path;
}

/** Bytes and modification time, to prove a file was not touched. */
export async function fingerprint(path: string): Promise<{ bytes: string; mtimeMs: number; mode: number }> {
  const [bytes, info] = await Promise.all([readFile(path), stat(path)]);
  return { bytes: bytes.toString('base64'), mtimeMs: info.mtimeMs, mode: info.mode & 0o777 };
}

export async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}
