import { Command, Option } from 'commander';
import { runChaos } from './runChaos.js';
import { runMatrix } from './matrix/runMatrix.js';
import { SHORT_MATRIX } from './matrix/shortMatrix.js';

const FULL_OUTAGE_MS = 45_000;
const FULL_SETTLE_MS = 180_000;

/**
 * `npm run chaos -- [--seed S] [--tracks N] [--consumers K]`: the random chaos run — prints every fault, then
 * `N passed, M failed`.
 * `npm run chaos -- --matrix [--only a,b] [--seed S] [--outage-seconds 45]`: the fault matrix — one line per
 * scenario (fault, what happened, end state = reference?), then `N passed, M failed`.
 */
const program = new Command('chaos')
  .description('A backfill under injected faults on private Redis and RabbitMQ instances, checked against the reference')
  .addOption(new Option('--seed <s>', 'seed of the fault schedule and of the matrix\'s data (printed, so a run can be replayed)').argParser(Number).default(20261125))
  .addOption(new Option('--tracks <n>', 'legacy tracks (random run)').argParser(Number).default(300_000))
  .addOption(new Option('--consumers <k>', 'consumer processes (random run)').argParser(Number).default(3))
  .addOption(new Option('--faults <n>', 'faults of each kind (random run)').argParser(Number).default(2))
  .option('--matrix', 'run the fault matrix instead of the random run')
  .option('--short', 'with --matrix: the short matrix of `npm test` (its scenarios, seed and outage length unless given)')
  .addOption(new Option('--only <names>', 'with --matrix: only these scenarios (comma-separated)').argParser((v) => v.split(',').map((s) => s.trim()).filter(Boolean)))
  .addOption(new Option('--outage-seconds <s>', 'with --matrix: length of the PostgreSQL and RabbitMQ outages (default 45)').argParser(Number))
  .action(async (opts: { seed: number; tracks: number; consumers: number; faults: number; matrix?: boolean; short?: boolean; only?: string[]; outageSeconds?: number }) => {
    process.env.LOG_LEVEL ??= 'warn';
    process.env.TRACKTION_ENV_FILE ??= '';
    if (opts.matrix) {
      const seed = opts.short && program.getOptionValueSource('seed') !== 'cli' ? SHORT_MATRIX.seed : opts.seed;
      const outageMs = opts.outageSeconds !== undefined ? opts.outageSeconds * 1000 : opts.short ? SHORT_MATRIX.outageMs : FULL_OUTAGE_MS;
      const only = opts.only ?? (opts.short ? [...SHORT_MATRIX.scenarios] : undefined);
      console.log(`fault matrix${opts.short ? ' (short)' : ''}, seed ${seed}, outages of ${outageMs / 1000} s`);
      const settleMs = opts.short ? SHORT_MATRIX.settleMs : FULL_SETTLE_MS;
      const results = await runMatrix({ seed, outageMs, settleMs, only, log: (line) => console.log(line) });
      console.log('\nsummary:');
      for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}`);
      finish(results.length, results.filter((r) => !r.ok).length, seed);
      return;
    }
    const results = await runChaos({ seed: opts.seed, tracks: opts.tracks, consumers: opts.consumers, faultsPerKind: opts.faults,
      log: (line) => console.log(line) });
    for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}`);
    finish(results.length, results.filter((r) => !r.ok).length, opts.seed);
  });

function finish(total: number, failed: number, seed: number): void {
  console.log(`${total - failed} passed, ${failed} failed (seed ${seed})`);
  process.exitCode = failed === 0 ? 0 : 1;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A mistyped scenario name and the like: the message, not a stack.
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 64;
}
