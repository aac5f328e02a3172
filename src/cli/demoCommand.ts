import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { seedDemoTracks } from '../demo/seedDemo.js';
import type { DemoResult } from '../demo/runDemo.js';
import { stderrLiveLine } from '../shared/liveLine.js';
import { redactText } from '../shared/redact.js';
import { printable } from './safeText.js';
import { childEnvironment, getConfig, rangeSizeProblem } from '../shared/config.js';
import { UsageError } from '../shared/errors.js';
import { checkConnection, createPool } from '../shared/db/pool.js';
import { ExitCode } from '../shared/exitCodes.js';
import { formatDuration } from '../operations/status/eta.js';
import { intOption } from './options.js';
import { formatTable, printJson, printLine, printMessage } from './output.js';
import { allMigrations } from '../../migrations/index.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));

/** `demo` — the README's first command — and `db seed-demo`, its seeding step alone. */
export function registerDemoCommands(program: Command): void {
  program.command('demo')
    .description('run the whole backfill on this machine: a fresh demo database, migrated and seeded, a producer and consumers, live progress, a summary and db verify')
    .addOption(new Option('--tracks <n>', 'legacy tracks to seed').argParser(intOption(1, 50_000_000)).default(200_000))
    .addOption(new Option('--consumers <k>', 'consumer processes').argParser(intOption(1, 64)).default(3))
    .addOption(new Option('--range-size <n>', 'rows per range (at most BACKFILL_RANGE_SIZE_LIMIT)').argParser(intOption(1, 1_000_000)).default(2000))
    .option('--database <name>', 'demo database name (dropped and recreated!)', 'tracktion_demo')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { tracks: number; consumers: number; rangeSize: number; database: string; json?: boolean }) => {
      const config = getConfig();
      const tooLarge = rangeSizeProblem(config, opts.rangeSize);
      if (tooLarge) throw new UsageError(`--range-size ${opts.rangeSize} ${tooLarge}`);
      const { runDemo } = await import('../demo/runDemo.js');
      const namespace = `${config.TRACKTION_NAMESPACE}-demo`;
      const result = await runDemo(config, {
        tracks: opts.tracks, consumers: opts.consumers, rangeSize: opts.rangeSize, databaseName: opts.database, revisions: allMigrations,
        namespace, say: printMessage, live: stderrLiveLine,
        fleetLogFile: join(mkdtempSync(join(tmpdir(), 'tracktion-demo-')), 'fleet.log'),
      });
      const s = result.status;
      const pointer = demoPointer(result.databaseUrl, namespace);
      if (opts.json) printJson({ ...result, databaseUrl: undefined, statusCommand: pointer });
      else printSummary(result, opts.consumers);
      const verify = spawnSync(process.execPath, [CLI, 'db', 'verify', ...(opts.json ? ['--json'] : [])], {
        env: childEnvironment({ DATABASE_URL: result.databaseUrl, TRACKTION_ENV_FILE: '', LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL }), stdio: ['ignore', 'inherit', 'inherit'],
      });
      printMessage(`\nthe producer's and consumers' logs: ${printable(result.fleetLogFile)}`);
      printMessage(`the demo ran in its own namespace (${namespace}) and database (${opts.database}); to look at it with other commands:`);
      printMessage(`  ${pointer}`);
      const ok = s.state === 'completed' && verify.status === 0;
      process.exitCode = ok ? ExitCode.ok : ExitCode.failure;
    });
}

/**
 * The command that reads the demo's job: its namespace and database in front of `backfill status`. The URL is
 * printed with its password hidden (it is the user's own DATABASE_URL with another database name).
 */
function demoPointer(databaseUrl: string, namespace: string): string {
  return `TRACKTION_NAMESPACE=${namespace} DATABASE_URL='${printable(redactText(databaseUrl))}' tracktion-migrate backfill status`;
}

function printSummary(result: DemoResult, consumers: number): void {
  const s = result.status;
  printLine(`backfill job ${s.jobId}: ${s.state} in ${formatDuration(Math.round(result.elapsedSeconds))}`);
  printLine(`  converted ${s.tracks.converted}, failed ${s.tracks.failed}, skipped ${s.tracks.skipped}`);
  printLine(`  throughput ${result.tracksPerSecond} tracks/s with ${consumers} consumers`);
  if (result.errorsByCode.length) {
    printLine('  row errors by code:');
    printLine(formatTable(['    CODE', 'COUNT', 'SAMPLE TRACK', 'SAMPLE MESSAGE'],
      result.errorsByCode.map((e) => [`    ${e.code}`, e.count, e.sampleTrackId, e.sampleMessage.slice(0, 80)])));
  }
  printLine('');
}

/** Attach `seed-demo` to the `db` command group. */
export function registerSeedDemoCommand(program: Command): void {
  const db = program.commands.find((c) => c.name() === 'db') ?? program.command('db').description('database schema commands');
  db.command('seed-demo')
    .description('insert N deterministic legacy tracks (a few percent bad in realistic ways) into DATABASE_URL\'s tracks table')
    .addOption(new Option('--tracks <n>', 'tracks to insert').argParser(intOption(1, 50_000_000)).default(200_000))
    .action(async (opts: { tracks: number }) => {
      const config = getConfig();
      const pool = createPool(config.DATABASE_URL, { applicationName: 'tracktion-migrate seed-demo', max: 1 });
      try {
        await checkConnection(pool, config.DATABASE_URL);
        await seedDemoTracks(pool, opts.tracks);
        printMessage(`seeded ${opts.tracks} legacy tracks`);
      } finally {
        await pool.end();
      }
    });
}
