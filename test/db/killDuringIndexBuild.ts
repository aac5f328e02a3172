import { spawn } from 'node:child_process';
import { CLI_PATH } from '../helpers/cli.js';
import { waitFor } from '../helpers/waitFor.js';
import { openSession, sql } from './catalog.js';

/** The concurrent index build of one of our `db …` commands, waiting. */
const WAITING_BUILD_SQL = `
  SELECT pid FROM pg_stat_activity
  WHERE datname = current_database() AND application_name LIKE 'tracktion-migrate db%' AND query ILIKE 'CREATE INDEX CONCURRENTLY%'`;
const OUR_SESSIONS_SQL = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'tracktion-migrate db%'`;

/**
 * Run the CLI with `args` (a `db …` command that builds an index) and SIGKILL it while its CREATE INDEX
 * CONCURRENTLY waits for an old snapshot (held by a session of ours), then terminate its backends as a crash
 * would end them — the server would otherwise finish the build for a dead client. Leaves an INVALID index.
 */
export async function killDuringIndexBuild(url: string, env: NodeJS.ProcessEnv, args: string[]): Promise<void> {
  const command = `tracktion-migrate ${args.join(' ')}`;
  const blocker = await openSession(url, 'test snapshot holder');
  try {
    await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await blocker.query('SELECT 1'); // takes the snapshot the concurrent build must wait for
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      const building = waitFor(async () => (await sql(url, WAITING_BUILD_SQL)).rowCount! > 0, { what: `${command} to wait in CREATE INDEX CONCURRENTLY`, timeoutMs: 30_000 });
      const ended = exited.then((code) => Promise.reject(new Error(`${command} ended (${String(code)}) before its index build: ${stderr}`)));
      await Promise.race([building, ended]);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    await sql(url, `SELECT pg_terminate_backend(pid) FROM (${OUR_SESSIONS_SQL}) ours`);
    await waitFor(async () => (await sql(url, OUR_SESSIONS_SQL)).rowCount === 0, { what: `the killed ${command}'s sessions to end` });
  } finally {
    await blocker.query('ROLLBACK').catch(() => undefined);
    await blocker.end();
  }
}
