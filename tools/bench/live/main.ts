import { availableParallelism, loadavg } from 'node:os';
import { printLine, printMessage } from '../../../src/cli/output.js';
import { getConfig } from '../../../src/shared/config.js';
import { createPool } from '../../../src/shared/db/pool.js';
import { connectRedis } from '../../../src/shared/redis.js';
import { recreateBenchDatabase, seedFresh } from '../benchDatabase.js';
import { parseLiveOptions } from './options.js';
import { runPhase, type PhaseResult } from './phase.js';
import { PrivatePostgres } from './privatePostgres.js';
import { formatLiveReport, writeLiveReport, type LiveReport } from './report.js';
import { APPLICATION_SETUP_SQL } from './workload.js';
import { runEntryPoint } from '../entryPoint.js';

const TEMPLATE = 'live_template';

/**
 * `npm run bench:live`: the application's latency beside a backfill. Wiring only. A private PostgreSQL
 * cluster per run (removed at the end, also on Ctrl-C), one seeded template database, a fresh copy per phase.
 */
async function main(argv: string[]): Promise<number> {
  const startedAt = new Date();
  const options = parseLiveOptions(argv, startedAt);
  const config = getConfig();
  const say = (line: string) => printMessage(`bench:live: ${line}`);
  const cluster = new PrivatePostgres(options.serverSettings);
  const stopCluster = () => cluster.stop();
  process.once('exit', stopCluster);
  const onSignal = () => {
    printMessage('bench:live: interrupted — stopping the private cluster');
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const loadAverage = loadavg();
  await cluster.start();
  say(`private PostgreSQL on port ${cluster.port} (${cluster.dir})`);
  const redis = await connectRedis(config.REDIS_URL, { connectionName: 'tracktion-bench', persistent: false });
  try {
    say(`seeding ${options.tracks} tracks into the template database`);
    const templateUrl = await recreateBenchDatabase(cluster.url(), TEMPLATE);
    const pool = createPool(templateUrl, { applicationName: 'tracktion-migrate bench', max: 1 });
    await seedFresh(pool, options.tracks);
    for (const sql of APPLICATION_SETUP_SQL) await pool.query(sql);
    await pool.query('VACUUM (ANALYZE) tracks');
    const { rows } = await pool.query<{ version: string }>(`SELECT 'PostgreSQL ' || current_setting('server_version') || ', max_wal_size ' || current_setting('max_wal_size') AS version`);
    await pool.end();
    const phases: PhaseResult[] = [];
    for (const phase of options.phases) {
      const unguardedRate = phases.find((p) => p.phase === 'backfill')?.backfill?.tracksPerSecond;
      phases.push(await runPhase({ config, options, cluster, redis, say, unguardedRate }, phase, TEMPLATE));
    }
    const { jsonOut, ...rest } = options;
    const report: LiveReport = {
      command: `npm run bench:live -- ${argv.slice(2).join(' ')}`.trimEnd(), startedAt: startedAt.toISOString(),
      machine: { cpus: availableParallelism(), node: process.versions.node, postgres: rows[0]?.version ?? 'PostgreSQL', loadAverage },
      options: rest, phases,
    };
    writeLiveReport(jsonOut, report);
    printLine(formatLiveReport(report));
    say(`results written to ${jsonOut}`);
    return 0;
  } finally {
    await redis.quit();
    process.removeListener('exit', stopCluster);
    cluster.stop();
  }
}


runEntryPoint(main);
