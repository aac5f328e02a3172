import { availableParallelism } from 'node:os';
import { printLine, printMessage } from '../../../src/cli/output.js';
import { getConfig } from '../../../src/shared/config.js';
import { Closer } from '../../../src/shared/lifecycle.js';
import { fleetNames } from '../../../src/shared/names.js';
import { deleteNamespace } from '../../../src/shared/namespaceCleanup.js';
import { connectRedis } from '../../../src/shared/redis.js';
import { dropBenchDatabase } from '../benchDatabase.js';
import { measuredCode } from '../measuredCode.js';
import { writeJsonReport } from '../report.js';
import { parseUpgradeBenchOptions } from './options.js';
import { formatSummary, summarize, UPGRADE_METHODS, type UpgradeRound } from './report.js';
import { runRound } from './rounds.js';
import { buildTemplate, copyTemplate } from './template.js';
import { runEntryPoint } from '../entryPoint.js';

/** `npm run bench:upgrade`: wiring only (the rounds live in rounds.ts, the figures in report.ts). */
async function main(argv: string[]): Promise<number> {
  const startedAt = new Date();
  const options = parseUpgradeBenchOptions(argv, startedAt);
  const config = getConfig();
  const say = (line: string) => printMessage(`bench:upgrade: ${line}`);
  const template = `${options.databaseName}_template`;
  const closer = new Closer();
  const onSignal = () => void closer.close().finally(() => process.exit(130));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    if (!options.keepDatabase) {
      closer.add('template database', () => dropBenchDatabase(config.DATABASE_URL, template));
      closer.add('round database', () => dropBenchDatabase(config.DATABASE_URL, options.databaseName));
    }
    const redis = await connectRedis(config.REDIS_URL, { connectionName: 'tracktion-bench', persistent: false });
    closer.add('Redis', () => redis.quit());
    closer.add('namespace', () => deleteNamespace(config, redis, fleetNames(options.namespace), options.namespace));
    say(`seeding the template ${template}: ${options.tracks} legacy tracks in the application's legacy schema`);
    const seedStarted = performance.now();
    await buildTemplate(config.DATABASE_URL, template, options.tracks, say);
    const seedSeconds = Math.round((performance.now() - seedStarted) / 10) / 100;
    const rounds: UpgradeRound[] = [];
    for (let round = 1; round <= options.repeat; round++) {
      for (const method of UPGRADE_METHODS) {
        say(`round ${round}/${options.repeat}: ${method}`);
        const databaseUrl = await copyTemplate(config.DATABASE_URL, template, options.databaseName);
        const result = await runRound({ config, redis, databaseUrl, databaseName: options.databaseName, namespace: options.namespace,
          consumers: options.consumers, rangeSize: options.rangeSize, sqlChunkIds: options.sqlChunkIds, say }, method, round);
        say(`  whole upgrade ${result.seconds.toFixed(2)} s: ${result.phases.map((p) => `${p.name} ${p.seconds.toFixed(2)} s`).join('; ')}`);
        rounds.push(result);
      }
    }
    const summary = summarize(rounds);
    writeJsonReport(options.jsonOut, {
      command: `npm run bench:upgrade -- ${argv.slice(2).join(' ')}`.trimEnd(), startedAt: startedAt.toISOString(),
      machine: { cpus: availableParallelism(), node: process.versions.node }, code: measuredCode(), options, seedSeconds, rounds, summary,
    });
    printLine(`Whole-upgrade benchmark — ${options.tracks} tracks, ${options.repeat} round(s), ${options.consumers} consumers, ${availableParallelism()} CPUs, code ${measuredCode().commit}`);
    printLine(formatSummary(rounds, summary));
    say(`results written to ${options.jsonOut}`);
    return 0;
  } finally {
    await closer.close();
  }
}

runEntryPoint(main);
