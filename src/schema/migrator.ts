import pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { getConfig } from '../shared/config.js';
import { errorCode } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { connecting } from '../shared/services.js';
import { MigrationError, RevisionError } from './errors.js';
import { RevisionExecutor, appliedRevisions, openMigrationSource } from './dataSource.js';
import { blockingSessions } from './locks.js';
import { createPool, databaseName, urlForDatabase } from '../shared/db/pool.js';
import { interruptedRevisions } from './revisionProgress.js';
import { deferIndexStep } from './deferredIndexes.js';
import { runPath, sessionStatus, type RevisionRun } from './revisionRun.js';
import {
  BASE, defaultRollbackTarget, knownRevisions, type MigrationClass, pathTo, refuseUpWhilePartlyReverted, resolveRevision, revisionStatus, type RevisionPath, type RevisionStatus,
} from './revisions.js';
import { attachStepContext, settingsFromConfig, type StepSettings } from './steps.js';

export interface MigrateOptions {
  /** Every revision the tool knows, oldest first (`allMigrations` of `migrations/index.ts`). */
  revisions: readonly MigrationClass[];
  /** Target revision (name, timestamp, name without timestamp, `base`, `latest`). */
  to?: string;
  logger?: Logger;
  /** Overrides of the MIGRATION_* settings (tests use tiny timeouts). */
  settings?: Partial<StepSettings>;
  applicationName?: string;
  /** `db migrate --defer-indexes`: deferrable index steps are recorded (deferredIndexes.ts), not run. */
  deferIndexes?: boolean;
}

export interface MigrationRun {
  path: RevisionPath;
  /** Revisions applied (up) or reverted (down) by this run, in order. */
  done: string[];
  /** Of those, the ones that were partly applied (interrupted) before this run. */
  wasPartlyApplied: string[];
}

/**
 * Only one migrate/rollback runs against a database at a time: a session-level advisory lock, held by the
 * migration session for the whole run. The key is an arbitrary constant ('trak').
 */
const MIGRATION_ADVISORY_LOCK = 1_953_653_099;
const ADVISORY_HOLDER_SQL = `
  SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1::bigint::oid AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** Bring the schema to the newest revision (the demo and the backfill tests call this). */
export async function migrateToLatest(databaseUrl: string, revisions: readonly MigrationClass[], logger?: Logger): Promise<void> {
  await migrate(databaseUrl, { revisions, logger });
}

/** Apply pending revisions up to the target (default: latest), one at a time, each logged with its duration. */
export async function migrate(databaseUrl: string, options: MigrateOptions): Promise<MigrationRun> {
  return withMigrationSession(databaseUrl, options, async (session) => {
    const status = await session.status();
    const path = pathTo(status, resolveRevision(status.known, options.to, 'latest'));
    if (path.direction === 'down') {
      throw new RevisionError(`target ${path.target} is behind the current revision ${status.current}; use "db rollback --to ${path.target}"`);
    }
    refuseUpWhilePartlyReverted(status, path);
    return finished(path, await session.run(path), status);
  });
}

/**
 * Revert revisions down to the target, newest first: a partly-applied revision before every applied one.
 * Default: only what is partly applied, else only the newest applied revision.
 */
export async function rollback(databaseUrl: string, options: MigrateOptions): Promise<MigrationRun> {
  return withMigrationSession(databaseUrl, options, async (session) => {
    const status = await session.status();
    const path = pathTo(status, options.to === undefined ? defaultRollbackTarget(status) : resolveRevision(status.known, options.to, 'base'));
    if (path.direction === 'up') {
      throw new RevisionError(`target ${path.target} is ahead of the current revision ${status.current ?? BASE}; use "db migrate --to ${path.target}"`);
    }
    return finished(path, await session.run(path), status);
  });
}

function finished(path: RevisionPath, done: string[], before: RevisionStatus): MigrationRun {
  return { path, done, wasPartlyApplied: done.filter((r) => before.partlyApplied.includes(r)) };
}

/** Applied, pending, current and interrupted revisions; reads only. */
export async function migrationStatus(databaseUrl: string, revisions: readonly MigrationClass[], logger?: Logger, applicationName?: string): Promise<RevisionStatus> {
  const log = logger ?? createLogger('db.migrate');
  const dataSource = await openMigrationSource(databaseUrl, log, revisions, { applicationName });
  try {
    const executor = new RevisionExecutor(dataSource);
    return revisionStatus(knownRevisions(revisions), await appliedRevisions(executor), await interruptedRevisions((q, p) => dataSource.query(q, p)));
  } finally {
    await dataSource.destroy();
  }
}

/** Create the database named in the URL when it is missing (via the `postgres` database). True when created. */
export async function ensureDatabaseExists(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  const maintenanceUrl = urlForDatabase(databaseUrl, 'postgres');
  const client = new pg.Client({ connectionString: maintenanceUrl, application_name: 'tracktion-migrate' });
  await connecting('PostgreSQL', maintenanceUrl, () => client.connect());
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      // CREATE DATABASE takes no bind parameters; the name is quoted as an identifier.
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      if (errorCode(err) === '42P04') return false; // created by someone else meanwhile
      throw err;
    }
  } finally {
    await client.end();
  }
}

export interface MigrationSession {
  status(): Promise<RevisionStatus>;
  run(path: RevisionPath): Promise<string[]>;
  /** The session's connection, its step context attached: for steps run outside a revision (indexBuild.ts). */
  queryRunner: QueryRunner;
}

/**
 * One session for a change of the schema: the advisory lock (one change at a time), the step settings and the
 * blocker watch attached to the connection; everything closed whatever happens.
 */
export async function withMigrationSession<T>(
  databaseUrl: string,
  options: MigrateOptions,
  work: (session: MigrationSession) => Promise<T>,
): Promise<T> {
  const logger = options.logger ?? createLogger('db.migrate');
  const applicationName = options.applicationName ?? `tracktion-migrate db (pid ${process.pid})`;
  const settings = { ...settingsFromConfig(getConfig()), ...options.settings };
  const dataSource = await openMigrationSource(databaseUrl, logger, options.revisions, { applicationName });
  const watchPool = createPool(databaseUrl, { applicationName: `${applicationName} lock watch`, max: 1 });
  const queryRunner = dataSource.createQueryRunner();
  try {
    attachStepContext(queryRunner, {
      settings, logger, findBlockers: (pid) => blockingSessions(watchPool, pid),
      ...(options.deferIndexes ? { defer: deferIndexStep(logger) } : {}),
    });
    await takeMigrationLock(queryRunner);
    const executor = new RevisionExecutor(dataSource, queryRunner);
    const revisionRun: RevisionRun = { dataSource, executor, queryRunner, query: (q, p) => queryRunner.query(q, p), revisions: options.revisions };
    return await work({
      status: () => sessionStatus(revisionRun),
      run: (path) => runPath(revisionRun, path, logger),
      queryRunner,
    });
  } finally {
    await closeQuietly(queryRunner, dataSource, watchPool);
  }
}

async function takeMigrationLock(queryRunner: QueryRunner): Promise<void> {
  const [row] = (await queryRunner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [MIGRATION_ADVISORY_LOCK])) as { locked: boolean }[];
  if (row?.locked) return;
  const holders = (await queryRunner.query(ADVISORY_HOLDER_SQL, [MIGRATION_ADVISORY_LOCK])) as { pid: number; application_name: string }[];
  const who = holders.map((h) => `pid ${h.pid} (application "${h.application_name}")`).join(', ') || 'another session';
  throw new MigrationError(`another migrate or rollback is running on this database: ${who} — wait for it to finish`);
}

async function closeQuietly(queryRunner: QueryRunner, dataSource: DataSource, watchPool: pg.Pool): Promise<void> {
  // Every step runs even when one fails; the advisory lock also ends with the session.
  await queryRunner.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
  await queryRunner.release().catch(() => undefined);
  await dataSource.destroy().catch(() => undefined);
  await watchPool.end().catch(() => undefined);
}
