import { availableParallelism } from 'node:os';
import { printLine, printMessage } from '../../src/cli/output.js';
import { getConfig } from '../../src/shared/config.js';
import { checkConnection, createPool } from '../../src/shared/db/pool.js';
import { Closer } from '../../src/shared/lifecycle.js';
import { fleetNames } from '../../src/shared/names.js';
import { connectRedis } from '../../src/shared/redis.js';
import { dropBenchDatabase, recreateBenchDatabase } from './benchDatabase.js';
import { deleteNamespace } from '../../src/shared/namespaceCleanup.js';
import { parseBenchOptions, type BenchOptions } from './options.js';
import { measuredCode } from './measuredCode.js';
import { formatReport, writeJsonReport, type BenchReport } from './report.js';
import { runBench } from './runBench.js';
import { runEntryPoint } from './entryPoint.js';

/**
 * `npm run bench`: the backfill benchmark. Wiring only: the
 * methods live in their own modules. A fresh bench database and a namespace of its own per run; at the
 * end (or on Ctrl-C) the namespace's queues and keys are deleted and the database dropped unless kept.
 */
async function main(argv: string[]): Promise<number> {
  const startedAt = new Date();
  const options = parseBenchOptions(argv, startedAt);
  const config = getConfig();
  // Closed in reverse order: namespace, pool, Redis, database. On Ctrl-C the pool is skipped (it would wait
  // for the clients a method still holds); DROP DATABASE … WITH (FORCE) ends those sessions anyway.
  const closer = new Closer();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    printMessage('bench: interrupted — removing the namespace and the bench database (the fleet drains on the same signal)');
    void closer.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    printMessage(`bench: recreating database ${options.databaseName}; namespace ${options.namespace}`);
    const databaseUrl = await recreateBenchDatabase(config.DATABASE_URL, options.databaseName, options.deferIndexes);
    if (!options.keepDatabase) closer.add('bench database', () => dropBenchDatabase(config.DATABASE_URL, options.databaseName));
    const redis = await connectRedis(config.REDIS_URL, { connectionName: 'tracktion-bench', persistent: false });
    closer.add('Redis', () => redis.quit());
    const pool = createPool(databaseUrl, { applicationName: 'tracktion-migrate bench', max: 4 });
    closer.add('PostgreSQL pool', () => (interrupted ? undefined : pool.end()));
    closer.add('namespace', () => deleteNamespace(config, redis, fleetNames(options.namespace), options.namespace));
    await checkConnection(pool, databaseUrl);

    const measured = await runBench({ config, options, databaseUrl, pool, redis, say: (line) => printMessage(`bench: ${line}`) });
    const { rows } = await pool.query<{ version: string }>(`SELECT 'PostgreSQL ' || current_setting('server_version') AS version`);
    const report: BenchReport = {
      command: `npm run bench -- ${argv.slice(2).join(' ')}`.trimEnd(),
      startedAt: startedAt.toISOString(),
      machine: { cpus: availableParallelism(), node: process.versions.node, postgres: rows[0]?.version ?? 'PostgreSQL' },
      code: measuredCode(),
      options: withoutOutFile(options),
      ...measured,
    };
    writeJsonReport(options.jsonOut, report);
    printLine(formatReport(report));
    printMessage(`bench: results written to ${options.jsonOut}`);
    return 0;
  } finally {
    await closer.close();
  }
}

function withoutOutFile(options: BenchOptions): Omit<BenchOptions, 'jsonOut'> {
  const { jsonOut: _jsonOut, ...rest } = options;
  return rest;
}

runEntryPoint(main);
