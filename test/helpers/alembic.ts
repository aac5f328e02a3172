import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Run the real Alembic (Debian's python3-alembic) against the application's Alembic project in
 * test/fixtures/alembic, the way the application manages a real library. Tests run from dist/, so the
 * project is found in the source tree: this file is dist/test/helpers/alembic.js.
 */
export const ALEMBIC_INI = fileURLToPath(new URL('../../../test/fixtures/alembic/alembic.ini', import.meta.url));

/** Debian's python has the alembic and psycopg2 packages; the `python3` on a developer's PATH may not. */
const ALEMBIC_PYTHON = process.env.ALEMBIC_PYTHON ?? '/usr/bin/python3';
const INSTALL_HINT = 'install it with: apt-get install -y python3-alembic python3-psycopg2';

/** The revisions of the fixture project, oldest first. */
export const ALEMBIC_LEGACY_REVISION = '2023_12_20_001';
export const ALEMBIC_ANALYSIS_REVISION = '2024_01_15_001';

export interface AlembicResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `alembic -c <fixture ini> ...args`; the URL goes through the environment (env.py), never the arguments. */
export function runAlembic(databaseUrl: string, args: string[]): Promise<AlembicResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(ALEMBIC_PYTHON, ['-m', 'alembic', '-c', ALEMBIC_INI, ...args], {
      // No __pycache__ written into the fixture's source tree.
      env: { ...process.env, TRACKTION_ALEMBIC_DATABASE_URL: databaseUrl, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error) => reject(new Error(`cannot run ${ALEMBIC_PYTHON} (${error.message}); ${INSTALL_HINT}`)));
    child.on('close', (code) => {
      if (/No module named '?(alembic|psycopg2)/.test(stderr)) {
        reject(new Error(`${ALEMBIC_PYTHON} lacks Alembic or psycopg2; ${INSTALL_HINT}`));
      } else {
        resolve({ code, stdout, stderr });
      }
    });
  });
}

/** Run Alembic and fail with its output when it does not exit 0. */
export async function runAlembicOk(databaseUrl: string, args: string[]): Promise<AlembicResult> {
  const result = await runAlembic(databaseUrl, args);
  if (result.code !== 0) throw new Error(`alembic ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

/**
 * The revision in `alembic_version` as `alembic current` reports it ("2024_01_15_001 (head)"), or null
 * when the database has none. The fixture configures no logging, so stdout holds only revision lines.
 */
export async function alembicCurrent(databaseUrl: string): Promise<string | null> {
  const { stdout } = await runAlembicOk(databaseUrl, ['current']);
  const revisions = stdout.split('\n').map((line) => /^(\w+)(?: \(head\))?\s*$/.exec(line.trim())?.[1]).filter((r) => r !== undefined);
  if (revisions.length > 1) throw new Error(`alembic current reports several revisions: ${revisions.join(', ')}`);
  return revisions[0] ?? null;
}
