import { DataSource, MigrationExecutor, type Logger as TypeormLogger, type Migration } from 'typeorm';
import type { Logger } from '../shared/logger.js';
import { connecting } from '../shared/services.js';
import type { MigrationClass } from './revisions.js';

/** The table where TypeORM records applied revisions (not `migrations`: a library may own that name). */
export const MIGRATIONS_TABLE = 'tracktion_migrations';

/**
 * The table where the migrator records a revision run outside a transaction while it runs (revisionProgress.ts):
 * TypeORM records a revision only at its end, so without it an interrupted one leaves no trace.
 */
export const IN_PROGRESS_TABLE = `${MIGRATIONS_TABLE}_in_progress`;

/** A TypeORM DataSource for the revisions, connected; an unreachable server becomes exit 69. */
export async function openMigrationSource(
  databaseUrl: string,
  logger: Logger,
  revisions: readonly MigrationClass[],
  options: { applicationName?: string } = {},
): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    applicationName: options.applicationName ?? 'tracktion-migrate',
    migrations: [...revisions],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    poolSize: 2,
    logger: typeormLogger(logger),
  });
  await connecting('PostgreSQL', databaseUrl, () => dataSource.initialize());
  return dataSource;
}

/**
 * TypeORM's executor, narrowed to one revision at a time (`only`), so each revision is timed and
 * reported on its own and `--to` stops exactly at the target. Everything else is TypeORM's: the
 * migrations table, the per-revision transaction (`transaction = false` runs outside one).
 */
export class RevisionExecutor extends MigrationExecutor {
  only: string | undefined;

  protected override getMigrations(): Migration[] {
    const all = super.getMigrations();
    return this.only === undefined ? all : all.filter((m) => m.name === this.only);
  }
}

/** Applied revision names, oldest first (reads only: no table is created). */
export async function appliedRevisions(executor: MigrationExecutor): Promise<string[]> {
  const executed = await executor.getExecutedMigrations();
  return executed.sort((a, b) => (a.id ?? 0) - (b.id ?? 0)).map((m) => m.name);
}

/** TypeORM's own messages go to our logger (stderr), never to stdout, which carries command data. */
function typeormLogger(logger: Logger): TypeormLogger {
  return {
    logQuery: () => undefined,
    logQueryError: (error, query) => logger.debug({ error: String(error), query }, 'query failed'),
    logQuerySlow: (time, query) => logger.debug({ ms: time, query }, 'slow query'),
    logSchemaBuild: (message) => logger.debug(message),
    logMigration: (message) => logger.debug(message),
    log: (level, message) => logger.debug({ level }, String(message)),
  };
}
