import type { Command } from 'commander';
import { ALLOW_DATA_LOSS_FLAG } from '../schema/dataLossCheck.js';
import { DROP_LEDGER_FLAG } from '../schema/ledgerRevertCheck.js';
import { FLEET_ROLE } from '../schema/fleetLogin.js';
// Loaded on use: TypeORM and the migration machinery weigh ~30 MB that producer and consumer processes never need.
const actions = () => import('./dbActions.js');

/**
 * A change with work is backed up first (pg_dump to BACKUP_DIR) unless --no-backup: the application's own
 * migration manager backs up by default too. --backup is kept for scripts that pass it.
 */
const BACKUP_OPTION = ['--backup', 'pg_dump the database to BACKUP_DIR before changing anything (the default)'] as const;
const NO_BACKUP_OPTION = ['--no-backup', 'skip the backup before the change'] as const;

interface RollbackFlags {
  to?: string;
  json?: boolean;
  dryRun?: boolean;
  backup?: boolean;
  allowDataLoss?: boolean;
  dropLedger?: boolean;
}

const CHANGE_JSON_HELP = 'print one JSON object on stdout: {target, direction, revisions, dryRun, verdicts, backup, done, partlyAppliedFinished, validation}';

const REVISION_HELP = 'a revision name (AnalysisFields1732500001000), its timestamp, its name without timestamp, base or latest';

/** `db …`: online schema migration with pre-flight checks, backup, plan and verification. */
export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('upgrade the database schema online: migrate, roll back, plan, back up, verify');

  db.command('migrate')
    .description('apply pending revisions (pre-flight checks first; validation after)')
    .option('--to <revision>', `stop at this revision: ${REVISION_HELP}`)
    .option('--dry-run', 'run the pre-flight checks and print the SQL; change nothing')
    .option('--defer-indexes', 'leave the query indexes of the analysis columns for later (db build-indexes or backfill finalize): a faster backfill, slow queries on those columns until built')
    .option(...BACKUP_OPTION)
    .option(...NO_BACKUP_OPTION)
    .option('--json', CHANGE_JSON_HELP)
    .action((options: { to?: string; dryRun?: boolean; deferIndexes?: boolean; backup?: boolean; json?: boolean }) => actions().then((a) => a.migrateAction(options)));

  db.command('build-indexes')
    .description('build the indexes db migrate --defer-indexes left for later, concurrently (writers go on); run again after an interruption')
    .option('--json', 'print one JSON object: {built, unknown}')
    .action((options: { json?: boolean }) => import('./dbBuildIndexesAction.js').then((a) => a.buildIndexesAction(options)));

  db.command('rollback')
    .description('revert the newest revision, or every revision after --to')
    .option('--to <revision>', `revert down to this revision: ${REVISION_HELP}`)
    .option('--dry-run', 'run the pre-flight checks and list what would be reverted; change nothing')
    .option(...BACKUP_OPTION)
    .option(...NO_BACKUP_OPTION)
    .option(ALLOW_DATA_LOSS_FLAG, 'confirm reverting the analysis fields while they hold data: drops the analysis values of tracks and analysis_history')
    .option(DROP_LEDGER_FLAG, 'confirm reverting the ledger revisions while the ledger holds backfill jobs: drops them and their rollback snapshots')
    .option('--json', CHANGE_JSON_HELP)
    .action((options: RollbackFlags) => actions().then((a) => a.rollbackAction(options)));

  db.command('status')
    .description('applied and pending revisions, the current one, and the path to the target')
    .option('--to <revision>', `target for the path (default latest): ${REVISION_HELP}`)
    .option('--json', 'print one JSON object')
    .action((options: { json?: boolean; to?: string }) => actions().then((a) => a.statusAction(options)));

  db.command('plan')
    .description('print the SQL that db migrate would run')
    .option('--to <revision>', `stop at this revision: ${REVISION_HELP}`)
    .option('--all', 'every revision from an empty database (no database needed)')
    .action((options: { all?: boolean; to?: string }) => actions().then((a) => a.planAction(options)));

  db.command('backup')
    .description('pg_dump the database (custom format) to a timestamped file in BACKUP_DIR; prints its path')
    .option('--json', 'print one JSON object: {file, bytes, durationMs}')
    .action((options: { json?: boolean }) => actions().then((a) => a.backupAction(options)));

  db.command('restore')
    .description('restore a db backup file into the database (the current one is kept under another name)')
    .argument('<file>', 'a file written by db backup')
    .option('--yes', 'confirm: the database is replaced by the backup')
    .action((file: string, options: { yes?: boolean }) => actions().then((a) => a.restoreAction(file, options)));

  db.command('verify')
    .description('check the schema and the data of the upgrade: PASS/FAIL lines, exit 1 on any FAIL')
    .option('--json', 'print one JSON object')
    .action((options: { json?: boolean }) => actions().then((a) => a.verifyAction(options)));

  db.command('fleet-login')
    .description(`give the fleet's role ${FLEET_ROLE} LOGIN and the password of FLEET_DATABASE_PASSWORD (or _FILE), sent as a SCRAM-SHA-256 verifier; run as the schema owner`)
    .option('--role <name>', `the role to give the login: ${FLEET_ROLE} or a role that is a member of it`, FLEET_ROLE)
    .option('--json', 'print one JSON object: {role, hadLogin, passwordChanged}')
    .action((options: { role: string; json?: boolean }) => import('./dbFleetLoginAction.js').then((a) => a.fleetLoginAction(options)));

  db.command('dedupe-history')
    .description('delete the older of duplicated analysis_history rows (same track, type and version), keeping the newest: what stops db migrate from building the unique key')
    .option('--yes', 'delete them (without it: say what would be deleted)')
    .option('--no-backup', 'do not pg_dump the database first')
    .action((options: { yes?: boolean; backup?: boolean }) => import('./dbDedupeAction.js').then((a) => a.dedupeHistoryAction(options)));
}
