import { Command, Option } from 'commander';
import { runChaos } from './runChaos.js';

/** `npm run chaos -- [--seed S] [--tracks N] [--consumers K]`: prints every fault, then `N passed, M failed`. */
const program = new Command('chaos')
  .description('A backfill under injected faults on private Redis and RabbitMQ instances, checked against the reference')
  .addOption(new Option('--seed <s>', 'seed of the fault schedule (printed, so a run can be replayed)').argParser(Number).default(20261125))
  .addOption(new Option('--tracks <n>', 'legacy tracks').argParser(Number).default(300_000))
  .addOption(new Option('--consumers <k>', 'consumer processes').argParser(Number).default(3))
  .addOption(new Option('--faults <n>', 'faults of each kind').argParser(Number).default(2))
  .action(async (opts: { seed: number; tracks: number; consumers: number; faults: number }) => {
    process.env.LOG_LEVEL ??= 'warn';
    process.env.TRACKTION_ENV_FILE ??= '';
    const results = await runChaos({ seed: opts.seed, tracks: opts.tracks, consumers: opts.consumers, faultsPerKind: opts.faults,
      log: (line) => console.log(line) });
    for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}`);
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed} failed (seed ${opts.seed})`);
    process.exitCode = failed === 0 ? 0 : 1;
  });

await program.parseAsync(process.argv);
