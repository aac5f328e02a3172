import { spawn } from 'node:child_process';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { connecting } from '../shared/services.js';
import { redactText } from '../shared/redact.js';
import { BackupError, PreflightError } from './errors.js';
import { libpqEnvironment } from './libpqEnv.js';
import { databaseName, urlForDatabase } from '../shared/db/pool.js';

/**
 * Backups with the PostgreSQL client tools: `pg_dump --format=custom` to a timestamped file, and a restore
 * that never destroys the current database — it restores into a new database and swaps names, keeping the
 * old one as `<name>_before_restore_<timestamp>`. The whole connection travels in libpq variables (PGPASSWORD
 * and the rest), never in argv. A dump is a full copy of the data: it is written 0600 in a directory that
 * others cannot enter.
 */

export interface BackupResult {
  file: string;
  bytes: number;
  durationMs: number;
}

export async function backupDatabase(databaseUrl: string, backupDir: string): Promise<BackupResult> {
  const dir = await prepareBackupDirectory(resolve(backupDir));
  const file = join(dir, `${databaseName(databaseUrl)}-${timestamp()}.dump`);
  const partial = `${file}.partial`;
  const started = performance.now();
  try {
    // Created 0600 before pg_dump opens it: pg_dump truncates the file and keeps its mode, whatever the umask.
    await (await open(partial, 'wx', 0o600)).close();
    await runTool('pg_dump', ['--format=custom', '--no-password', `--file=${partial}`], libpqEnvironment(databaseUrl));
    await chmod(partial, 0o600);
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  const { size } = await stat(file);
  return { file, bytes: size, durationMs: Math.round(performance.now() - started) };
}

/** Other sessions on the database; a restore swaps the database and needs it to itself. */
const OTHER_SESSIONS_SQL = `
  SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`;

export interface RestoreResult {
  durationMs: number;
  /** The database as it was before the restore, kept under this name. */
  keptAs: string;
}

export async function restoreDatabase(databaseUrl: string, file: string): Promise<RestoreResult> {
  await stat(file).catch((err: unknown) => {
    throw new BackupError(`backup file not found: ${file}`, { cause: err });
  });
  const name = databaseName(databaseUrl);
  const stamp = timestamp().toLowerCase();
  const staging = `${name.slice(0, 40)}_restore_${stamp}`;
  const keptAs = `${name.slice(0, 40)}_before_restore_${stamp}`;
  const admin = new pg.Client({ connectionString: urlForDatabase(databaseUrl), application_name: 'tracktion-migrate restore' });
  await connecting('PostgreSQL', databaseUrl, () => admin.connect());
  const started = performance.now();
  try {
    await refuseWhenInUse(admin, name);
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(staging)}`);
    try {
      // pg_restore needs --dbname to restore into a database at all: only the name, as a conninfo, goes there.
      await runTool('pg_restore', ['--no-password', '--exit-on-error', '--single-transaction', '--no-owner', `--dbname=dbname=${conninfoQuote(staging)}`, file],
        libpqEnvironment(databaseUrl, staging));
    } catch (err) {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(staging)}`);
      throw err;
    }
    await refuseWhenInUse(admin, name).catch(async (err: unknown) => {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(staging)}`);
      throw err;
    });
    // Identifiers cannot be bind parameters; both names are quoted.
    await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(name)} RENAME TO ${admin.escapeIdentifier(keptAs)}`);
    await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(staging)} RENAME TO ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  return { durationMs: Math.round(performance.now() - started), keptAs };
}

async function refuseWhenInUse(admin: pg.Client, name: string): Promise<void> {
  const { rows } = await admin.query<{ pid: number; application_name: string }>(OTHER_SESSIONS_SQL, [name]);
  if (!rows.length) return;
  const who = rows.slice(0, 5).map((r) => `pid ${r.pid} ("${r.application_name}")`).join(', ');
  throw new PreflightError(`restore needs database "${name}" to itself; ${rows.length} session(s) connected: ${who} — stop them and retry`);
}

/** The backup directory, created 0700; an existing one of ours loses any access for others. */
export async function prepareBackupDirectory(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { mode, uid } = await stat(dir);
  if ((mode & 0o007) !== 0 && uid === process.getuid?.()) await chmod(dir, mode & 0o770);
  return dir;
}

/** A value in libpq's conninfo syntax: single-quoted, with backslashes and quotes escaped. */
function conninfoQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Run pg_dump / pg_restore with the connection in libpq variables only; a failure carries its stderr. */
function runTool(tool: string, args: string[], connection: Record<string, string>): Promise<void> {
  // The child inherits the environment (PATH, PG* settings) plus the connection's libpq variables.
  // eslint-disable-next-line no-restricted-properties
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: `tracktion-migrate ${tool}`, ...connection };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(new BackupError(`${tool} could not be started (${err.message}) — install the PostgreSQL client tools`, { cause: err })));
    child.on('close', (code) => {
      if (code === 0) return resolvePromise();
      const last = stderr.trim().split('\n').slice(-2).join(' ');
      reject(new BackupError(`${tool} failed with exit code ${code}: ${redactText(last)} — nothing was changed`));
    });
  });
}

/** 20241125T120000Z: sortable, safe in file and database names. */
function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
