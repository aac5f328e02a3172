import { availableParallelism } from 'node:os';
import { printLine, printMessage } from '../../../src/cli/output.js';
import { getConfig } from '../../../src/shared/config.js';
import { checkConnection, createPool, urlForDatabase } from '../../../src/shared/db/pool.js';
import { Closer } from '../../../src/shared/lifecycle.js';
import { fleetNames } from '../../../src/shared/names.js';
import { deleteNamespace } from '../../../src/shared/namespaceCleanup.js';
import { connectRedis } from '../../../src/shared/redis.js';
import { dropBenchDatabase, seedShape } from '../benchDatabase.js';
import { measuredCode } from '../measuredCode.js';
import { parseEndToEndOptions } from './options.js';
import { backfillLibrary, buildIndexes, migrateLibrary, seedLibrary, timed, verifyLibrary, type PhaseContext } from './phases.js';
import { formatEndToEndReport, writeEndToEndReport, type EndToEndReport, type PhaseMeasurement } from './report.js';
import { round } from './series.js';
import { ServerCounterReader } from './serverCounters.js';
import { runEntryPoint } from '../entryPoint.js';

/**
 * `npm run bench:e2e`: one whole upgrade of a large library, phase by phase. Wiring only: the phases live
 * in phases.ts. The database and the fleet's namespace are the run's own; both are removed at the end (or
 * on Ctrl-C), the database unless kept. Exits 1 when db verify has a FAIL or the job did not complete.
 */
async function main(argv: string[]): Promise<number> {
  const startedAt = new Date();
  const options = parseEndToEndOptions(argv, startedAt);
  const config = getConfig();
  const say = (line: string) => printMessage(`bench:e2e: ${line}`);
  // Closed in reverse order. On Ctrl-C the pools are skipped (a phase may still hold their clients);
  // DROP DATABASE … WITH (FORCE) ends those sessions anyway.
  const closer = new Closer();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    printMessage('bench:e2e: interrupted — removing the namespace and the bench database (the fleet drains on the same signal)');
    void closer.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    if (!options.keepDatabase) closer.add('bench database', () => dropBenchDatabase(config.DATABASE_URL, options.databaseName));
    // WAL and checkpoints are read on the server's `postgres` database: the bench database comes and goes.
    const adminUrl = urlForDatabase(config.DATABASE_URL, 'postgres');
    const admin = createPool(adminUrl, { applicationName: 'tracktion-migrate bench', max: 2 });
    closer.add('PostgreSQL admin pool', () => (interrupted ? undefined : admin.end()));
    await checkConnection(admin, adminUrl);
    const redis = await connectRedis(config.REDIS_URL, { connectionName: 'tracktion-bench', persistent: false });
    closer.add('Redis', () => redis.quit());
    closer.add('namespace', () => deleteNamespace(config, redis, fleetNames(options.namespace), options.namespace));
    const ctx: PhaseContext = { config, options, counters: new ServerCounterReader(admin, options.databaseName), say };
    const phases: PhaseMeasurement[] = [];
    say(`database ${options.databaseName}, namespace ${options.namespace}, ${options.tracks} tracks`);

    const seed = await timed(ctx, 'seed', () => seedLibrary(ctx));
    phases.push(seed.measurement);
    const databaseUrl = seed.value;
    const pool = createPool(databaseUrl, { applicationName: 'tracktion-migrate bench', max: 4 });
    closer.add('PostgreSQL pool', () => (interrupted ? undefined : pool.end()));
    const shape = await seedShape(pool);

    const migrated = await timed(ctx, 'migrate', () => migrateLibrary(ctx, databaseUrl));
    phases.push(migrated.measurement);
    const backfill = await timed(ctx, 'backfill', () => backfillLibrary(ctx, databaseUrl, pool, redis, shape.tracks), (b) => b.seconds);
    phases.push(backfill.measurement);
    const built = options.deferIndexes ? await timed(ctx, 'build-indexes', () => buildIndexes(databaseUrl)) : undefined;
    if (built) phases.push(built.measurement);
    const verify = await timed(ctx, 'verify', () => verifyLibrary(pool));
    phases.push(verify.measurement);

    const { rows } = await admin.query<{ version: string; max_wal_size: string }>(
      `SELECT 'PostgreSQL ' || current_setting('server_version') AS version, current_setting('max_wal_size') AS max_wal_size`);
    const { jsonOut, ...rest } = options;
    const report: EndToEndReport = {
      command: `npm run bench:e2e -- ${argv.slice(2).join(' ')}`.trimEnd(),
      startedAt: startedAt.toISOString(),
      machine: { cpus: availableParallelism(), node: process.versions.node, postgres: rows[0]?.version ?? 'PostgreSQL', maxWalSize: rows[0]?.max_wal_size ?? '?' },
      code: measuredCode(),
      options: rest,
      seed: shape,
      migrated: migrated.value,
      phases,
      totalSeconds: round(phases.reduce((sum, p) => sum + p.seconds, 0), 2),
      backfill: backfill.value,
      ...(built ? { builtIndexes: built.value } : {}),
      verify: verify.value,
    };
    writeEndToEndReport(jsonOut, report);
    printLine(formatEndToEndReport(report));
    say(`results written to ${jsonOut}`);
    if (!verify.value.ok) say('db verify has FAIL checks: see the table above');
    if (backfill.value.state !== 'completed') say(`the backfill job ended ${backfill.value.state}, not completed`);
    return verify.value.ok && backfill.value.state === 'completed' ? 0 : 1;
  } finally {
    await closer.close();
  }
}

runEntryPoint(main);
