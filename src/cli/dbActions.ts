import type pg from 'pg';
import { getConfig, type Config } from '../shared/config.js';
import { TracktionError, UsageError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { backupDatabase, restoreDatabase } from '../schema/backup.js';
import { migrate, migrationStatus, rollback } from '../schema/migrator.js';
import { planSql, revisionClasses } from '../schema/plan.js';
import { checkLedgerRevert } from '../schema/ledgerRevertCheck.js';
import { checkConnection, createPool } from '../shared/db/pool.js';
import { runPreflight, type PreflightOptions } from '../schema/preflight.js';
import { checkAnalysisDataLoss } from '../schema/dataLossCheck.js';
import { enforceVerdicts } from '../schema/verdicts.js';
import { BASE, pathTo, resolveRevision, type RevisionPath } from '../schema/revisions.js';
import { verifyDatabase } from '../schema/verify.js';
import { readLibraryState } from '../schema/libraryState.js';
import { DELETE_OLDER_DUPLICATES_SQL, checkHistoryDuplicates, findHistoryDuplicates } from '../schema/historyDuplicates.js';
import { printLibraryState } from './dbLibraryReport.js';
import { printBackup, printStatus, printVerdicts, printVerify, targetVerdict } from './dbReport.js';
import { printLine, printMessage, writeOut } from './output.js';
import { printable } from './safeText.js';
import { allMigrations } from '../../migrations/index.js';

/** The db commands, wired from the shared/db modules. Every step is logged with its duration. */

interface Db {
  config: Config;
  logger: Logger;
  url: string;
  applicationName: string;
  pool: pg.Pool;
}

async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const config = getConfig();
  const applicationName = `tracktion-migrate db (pid ${process.pid})`;
  const pool = createPool(config.DATABASE_URL, { applicationName, max: 2 });
  try {
    await checkConnection(pool, config.DATABASE_URL);
    return await work({ config, logger: createLogger('db'), url: config.DATABASE_URL, applicationName, pool });
  } finally {
    await pool.end();
  }
}

async function timed<T>(logger: Logger, step: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  logger.info({ step, ms: Math.round(performance.now() - started) }, `${step} done (${Math.round(performance.now() - started)} ms)`);
  return result;
}

export interface ChangeOptions {
  to?: string;
  dryRun?: boolean;
  /** false with --no-backup. A change with work is backed up by default, as the application's own migration manager does. */
  backup?: boolean;
  /** db rollback only: confirm dropping analysis data (dataLossCheck.ts). */
  allowDataLoss?: boolean;
  /** db rollback only: confirm dropping a ledger that holds jobs (ledgerRevertCheck.ts). */
  dropLedger?: boolean;
}

/** Resolve the target, run the pre-flight, back up, change the schema, validate — stopping at the first problem. */
async function change(direction: 'up' | 'down', options: ChangeOptions): Promise<void> {
  await withDb(async (db) => {
    const path = await timed(db.logger, 'resolve target', () => resolvePath(db, direction, options.to));
    const hasWork = path.direction !== 'none';
    const backup = options.backup !== false;
    const checks = await timed(db.logger, 'pre-flight', async () => [
      ...(await runPreflight(db.pool, preflightOptions(db, backup, hasWork))),
      ...(direction === 'down'
        ? [
            await checkAnalysisDataLoss(db.pool, path.revisions, options.allowDataLoss ?? false),
            await checkLedgerRevert(db.pool, path.revisions, options.dropLedger ?? false),
          ]
        : [await checkHistoryDuplicates(db.pool, path.revisions)]),
    ]);
    const verdicts = [targetVerdict(path), ...checks];
    printVerdicts(verdicts);
    if (options.dryRun) {
      if (direction === 'up') writeOut(await planSql(revisionClasses(allMigrations, path.revisions)));
      else printLine(`-- would revert: ${path.revisions.join(', ') || 'nothing'}`);
    }
    // Nothing to do changes nothing: no pre-flight verdict can make that unsafe, and there is nothing to back up for.
    if (!options.dryRun && !hasWork) {
      printMessage(`schema is at ${path.target}: nothing to do`);
      return;
    }
    enforceVerdicts(verdicts);
    if (options.dryRun) {
      printMessage('dry run: nothing was changed');
      return;
    }
    const backupFile = await backupUnlessSkipped(db, backup);
    await pointingAtBackup(backupFile, async () => {
      const run = { revisions: allMigrations, to: path.target, logger: db.logger, applicationName: `${db.applicationName} migrate` };
      const result = await timed(db.logger, direction === 'up' ? 'migrate' : 'rollback', () => (direction === 'up' ? migrate(db.url, run) : rollback(db.url, run)));
      printMessage(`${direction === 'up' ? 'migrated' : 'rolled back'} to ${path.target}: ${result.done.join(', ') || 'nothing to do'}`);
      await postValidation(db);
    });
  });
}

/** The backup before a change (its file), or undefined with --no-backup, which is said. */
async function backupUnlessSkipped(db: Db, backup: boolean): Promise<string | undefined> {
  if (!backup) {
    printBackup(undefined);
    return undefined;
  }
  const result = await timed(db.logger, 'backup', () => backupDatabase(db.url, db.config.BACKUP_DIR));
  printBackup(result);
  return result.file;
}

/**
 * A failure after the backup ends by naming the backup and the command that returns to it. The error keeps
 * its class (and so its exit code): only its message grows.
 */
async function pointingAtBackup(file: string | undefined, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (file && err instanceof Error) err.message = `${err.message} — backed up before the change to ${printable(file)}; to return to it: ${restoreCommand(file)}`;
    throw err;
  }
}

/** The restore command for a backup file, the path quoted for a POSIX shell when it needs it. */
function restoreCommand(file: string): string {
  const word = /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`;
  return `tracktion-migrate db restore ${printable(word)} --yes`;
}

export const migrateAction = (options: ChangeOptions) => change('up', options);
export const rollbackAction = (options: ChangeOptions) => change('down', options);

async function resolvePath(db: Db, direction: 'up' | 'down', to: string | undefined): Promise<RevisionPath> {
  const status = await migrationStatus(db.url, allMigrations, db.logger, db.applicationName);
  const fallback = direction === 'up' ? 'latest' : (status.applied.at(-2) ?? BASE);
  const path = pathTo(status, resolveRevision(status.known, to ?? fallback, direction === 'up' ? 'latest' : 'base'));
  if (path.direction !== 'none' && path.direction !== direction) {
    const other = direction === 'up' ? 'rollback' : 'migrate';
    throw new UsageError(`target ${path.target} is ${direction === 'up' ? 'behind' : 'ahead of'} the current revision ${status.current ?? BASE}; use "db ${other} --to ${path.target}"`);
  }
  return path;
}

function preflightOptions(db: Db, backup: boolean, hasWork: boolean): PreflightOptions {
  return {
    longTransactionSeconds: db.config.PREFLIGHT_LONG_TRANSACTION_SECONDS,
    maxConnections: db.config.PREFLIGHT_MAX_CONNECTIONS,
    maxDiskUsedPercent: db.config.PREFLIGHT_MAX_DISK_USED_PERCENT,
    backupDir: db.config.BACKUP_DIR,
    databaseUrl: db.url,
    backup,
    hasWork,
    ownApplicationNames: [`${db.applicationName}%`],
  };
}

/** After a change: the schema of the applied revisions and the data checks, as `db verify` prints them. */
async function postValidation(db: Db): Promise<void> {
  const status = await migrationStatus(db.url, allMigrations, db.logger, db.applicationName);
  const report = await timed(db.logger, 'post-migration validation', () => verifyDatabase(db.pool, { revisions: status.applied }));
  for (const line of report.checks) printMessage(`validate    ${line.status.padEnd(4)}  ${line.area}  ${line.name}: ${line.detail}`);
  failOnFail(report.ok, report.checks.filter((c) => c.status === 'FAIL').length, status.applied);
}

function failOnFail(ok: boolean, failed: number, applied?: string[]): void {
  if (ok) return;
  const state = applied ? ` (applied revisions: ${applied.join(', ') || 'none'})` : '';
  throw new TracktionError('verify_failed', `verification failed: ${failed} check(s) FAIL${state}`);
}

export async function statusAction(options: { json?: boolean; to?: string }): Promise<void> {
  await withDb(async (db) => {
    const status = await migrationStatus(db.url, allMigrations, db.logger, db.applicationName);
    const library = await readLibraryState(db.pool);
    printStatus(status, pathTo(status, resolveRevision(status.known, options.to, 'latest')), options.json ?? false, { library });
    if (!options.json) printLibraryState(library);
  });
}

/** Pending SQL (needs the database), or every revision's SQL with --all (needs none: used by the squawk lint). */
export async function planAction(options: { all?: boolean; to?: string }): Promise<void> {
  if (options.all) {
    writeOut(await planSql(allMigrations));
    return;
  }
  await withDb(async (db) => {
    const status = await migrationStatus(db.url, allMigrations, db.logger, db.applicationName);
    const path = pathTo(status, resolveRevision(status.known, options.to, 'latest'));
    if (path.direction === 'down') throw new UsageError(`target ${path.target} is behind the current revision; db plan shows migrations only`);
    writeOut(await planSql(revisionClasses(allMigrations, path.revisions)));
  });
}

export async function backupAction(): Promise<void> {
  await withDb(async (db) => {
    const result = await timed(db.logger, 'backup', () => backupDatabase(db.url, db.config.BACKUP_DIR));
    printBackup(result);
    printLine(result.file);
  });
}

export async function restoreAction(file: string, options: { yes?: boolean }): Promise<void> {
  if (!options.yes) {
    throw new UsageError(`db restore replaces the database with ${file}; pass --yes to confirm (the current database is kept under another name)`);
  }
  const config = getConfig();
  // No pool stays open: the restore needs the database to itself. restoreDatabase reports an unreachable server.
  const result = await timed(createLogger('db'), 'restore', () => restoreDatabase(config.DATABASE_URL, file));
  printMessage(`restored ${file} in ${result.durationMs} ms; the previous database is kept as "${result.keptAs}"`);
}

export async function verifyAction(options: { json?: boolean }): Promise<void> {
  await withDb(async (db) => {
    const report = await timed(db.logger, 'verify', () => verifyDatabase(db.pool));
    printVerify(report, options.json ?? false);
    failOnFail(report.ok, report.checks.filter((c) => c.status === 'FAIL').length);
  });
}

/**
 * Delete the older of duplicated history rows (same track, type and version), keeping the newest of each key:
 * what stands in the way of the unique key on a library whose history was written without one. A preview
 * without --yes; with it, a backup first (unless --no-backup), then one statement.
 */
export async function dedupeHistoryAction(options: { yes?: boolean; backup?: boolean }): Promise<void> {
  await withDb(async (db) => {
    const query = async (sql: string, params: unknown[]) => (await db.pool.query(sql, params)).rows as Record<string, unknown>[];
    const found = await findHistoryDuplicates(query);
    if (found.keys === 0) {
      printMessage(found.unkeyed ? 'analysis_history holds no duplicate keys: nothing to do' : 'analysis_history has its unique key (or does not exist): no duplicates possible, nothing to do');
      return;
    }
    const what = `${found.extraRows} older row(s) over ${found.keys} duplicated key(s) (track ids ${found.sampleTrackIds.join(', ')}${found.keys > found.sampleTrackIds.length ? ', …' : ''})`;
    if (!options.yes) {
      printMessage(`would delete ${what}, keeping the newest row (highest id) of each key — pass --yes to delete them`);
      return;
    }
    if (options.backup !== false) printBackup(await timed(db.logger, 'backup', () => backupDatabase(db.url, db.config.BACKUP_DIR)));
    else printMessage('backup      skipped (--no-backup)');
    const { rowCount } = await db.pool.query(DELETE_OLDER_DUPLICATES_SQL);
    printMessage(`deleted ${rowCount ?? 0} older duplicate analysis_history row(s), kept the newest of each of ${found.keys} key(s); run db migrate to build the unique key`);
  });
}
