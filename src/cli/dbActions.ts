import { getConfig } from '../shared/config.js';
import { TracktionError, UsageError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { backupDatabase, restoreDatabase } from '../schema/backup.js';
import { migrate, migrationStatus, rollback } from '../schema/migrator.js';
import { planSql, revisionClasses } from '../schema/plan.js';
import { checkLedgerRevert } from '../schema/ledgerRevertCheck.js';
import { runPreflight, type PreflightOptions } from '../schema/preflight.js';
import { checkAnalysisDataLoss } from '../schema/dataLossCheck.js';
import { enforceVerdicts, type Verdict } from '../schema/verdicts.js';
import { BASE, defaultRollbackTarget, pathTo, refuseUpWhilePartlyReverted, resolveRevision, type RevisionPath } from '../schema/revisions.js';
import { verifyDatabase } from '../schema/verify.js';
import { readLibraryState } from '../schema/libraryState.js';
import { checkHistoryDuplicates } from '../schema/historyDuplicates.js';
import { printLibraryState } from './dbLibraryReport.js';
import { changeReport, printBackup, printStatus, printVerdicts, printVerify, targetVerdict, type ChangeReport } from './dbReport.js';
import { printJson, printLine, printMessage, writeOut } from './output.js';
import { allMigrations, deferrableSteps } from '../../migrations/index.js';
import { deferVerdict } from '../schema/deferredIndexes.js';
import { backupUnlessSkipped, pointingAtBackup, timed, withDb, type Db } from './dbSession.js';

/** The db commands, wired from the shared/db modules. Every step is logged with its duration. */

export interface ChangeOptions {
  to?: string;
  dryRun?: boolean;
  /** false with --no-backup. A change with work is backed up by default, as the application's own migration manager does. */
  backup?: boolean;
  /** db rollback only: confirm dropping analysis data (dataLossCheck.ts). */
  allowDataLoss?: boolean;
  /** db rollback only: confirm dropping a ledger that holds jobs (ledgerRevertCheck.ts). */
  dropLedger?: boolean;
  /** Print one JSON document (ChangeReport) on stdout instead of the lines on stderr. */
  json?: boolean;
  /** db migrate only: record the deferrable index steps instead of running them (deferredIndexes.ts). */
  deferIndexes?: boolean;
}

/** Resolve the target, run the pre-flight, back up, change the schema, validate — stopping at the first problem. */
async function change(direction: 'up' | 'down', options: ChangeOptions): Promise<void> {
  await withDb(async (db) => {
    const path = await timed(db.logger, 'resolve target', () => resolvePath(db, direction, options.to));
    const hasWork = path.direction !== 'none';
    const backup = options.backup !== false;
    const checks = await timed(db.logger, 'pre-flight', () => preflightChecks(db, direction, path, options, backup, hasWork));
    const report = changeReport(path, [targetVerdict(path), ...checks], options.dryRun ?? false, direction === 'up' && (options.deferIndexes ?? false));
    const json = options.json ?? false;
    // With --json the document is printed whatever happens next: a refusal or a failed validation is in it too.
    try {
      if (!json) printVerdicts(report.verdicts);
      if (options.dryRun && direction === 'up') report.plan = await planSql(revisionClasses(allMigrations, path.revisions));
      if (options.dryRun && !json) {
        if (report.plan !== undefined) writeOut(report.plan);
        else printLine(`-- would revert: ${path.revisions.join(', ') || 'nothing'}`);
      }
      // Nothing to do changes nothing: no pre-flight verdict can make that unsafe, and there is nothing to back up for.
      if (!options.dryRun && !hasWork) {
        if (!json) printMessage(`schema is at ${path.target}: nothing to do`);
        return;
      }
      enforceVerdicts(report.verdicts);
      if (options.dryRun) {
        if (!json) printMessage('dry run: nothing was changed');
        return;
      }
      report.backup = (await backupUnlessSkipped(db, backup)) ?? null;
      await pointingAtBackup(report.backup ?? undefined, () => applyChange(db, direction, path, report, json));
    } finally {
      if (json) printJson(report);
    }
  });
}

async function preflightChecks(db: Db, direction: 'up' | 'down', path: RevisionPath, options: ChangeOptions, backup: boolean, hasWork: boolean): Promise<Verdict[]> {
  return [
    ...(await runPreflight(db.pool, preflightOptions(db, backup, hasWork))),
    ...(direction === 'down'
      ? [
          await checkAnalysisDataLoss(db.pool, path.revisions, options.allowDataLoss ?? false),
          await checkLedgerRevert(db.pool, path.revisions, options.dropLedger ?? false),
        ]
      : [await checkHistoryDuplicates(db.pool, path.revisions), ...(options.deferIndexes ? [deferVerdict(path.revisions, deferrableSteps)] : [])]),
  ];
}

/** Migrate or roll back along the path, then validate; what was done goes into the report as it happens. */
async function applyChange(db: Db, direction: 'up' | 'down', path: RevisionPath, report: ChangeReport, json: boolean): Promise<void> {
  const run = { revisions: allMigrations, to: path.target, logger: db.logger, applicationName: `${db.applicationName} migrate`, deferIndexes: report.deferIndexes };
  const result = await timed(db.logger, direction === 'up' ? 'migrate' : 'rollback', () => (direction === 'up' ? migrate(db.url, run) : rollback(db.url, run)));
  report.done = result.done;
  report.partlyAppliedFinished = result.wasPartlyApplied;
  if (!json) {
    printMessage(`${direction === 'up' ? 'migrated' : 'rolled back'} to ${path.target}: ${result.done.join(', ') || 'nothing to do'}`);
    for (const r of result.wasPartlyApplied) printMessage(`${direction === 'up' ? 'finished' : 'undid'} partly applied ${r}`);
  }
  await postValidation(db, report, json);
}

export const migrateAction = (options: ChangeOptions) => change('up', options);
export const rollbackAction = (options: ChangeOptions) => change('down', options);

async function resolvePath(db: Db, direction: 'up' | 'down', to: string | undefined): Promise<RevisionPath> {
  const status = await migrationStatus(db.url, allMigrations, db.logger, db.applicationName);
  const fallback = direction === 'up' ? 'latest' : defaultRollbackTarget(status);
  const path = pathTo(status, resolveRevision(status.known, to ?? fallback, direction === 'up' ? 'latest' : 'base'));
  if (path.direction !== 'none' && path.direction !== direction) {
    const other = direction === 'up' ? 'rollback' : 'migrate';
    throw new UsageError(`target ${path.target} is ${direction === 'up' ? 'behind' : 'ahead of'} the current revision ${status.current ?? BASE}; use "db ${other} --to ${path.target}"`);
  }
  refuseUpWhilePartlyReverted(status, path);
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
async function postValidation(db: Db, change: ChangeReport, json: boolean): Promise<void> {
  const status = await migrationStatus(db.url, allMigrations, db.logger, db.applicationName);
  const report = await timed(db.logger, 'post-migration validation', () => verifyDatabase(db.pool, { revisions: status.applied }));
  change.validation = report;
  if (!json) for (const line of report.checks) printMessage(`validate    ${line.status.padEnd(4)}  ${line.area}  ${line.name}: ${line.detail}`);
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

export async function backupAction(options: { json?: boolean } = {}): Promise<void> {
  await withDb(async (db) => {
    const result = await timed(db.logger, 'backup', () => backupDatabase(db.url, db.config.BACKUP_DIR));
    if (options.json) {
      printJson(result);
      return;
    }
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
