import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { exitCodeFor, reportError } from '../../../src/cli/errorExit.js';
import { formatTable, printLine } from '../../../src/cli/output.js';
import { TracktionError, UsageError } from '../../../src/shared/errors.js';
import { compareRuns, LINEAR_TOLERANCE, type RunFigures } from './linearity.js';

/**
 * `node dist/tools/bench/endToEnd/compare.js A.json B.json`: two `npm run bench:e2e` results side by side,
 * each phase's time ratio against the tracks ratio — does the upgrade scale linearly?
 */

/** The part of a bench:e2e JSON result a comparison reads. */
const RunFile = z.object({
  seed: z.object({ tracks: z.number().int().positive() }),
  phases: z.array(z.object({ phase: z.string(), seconds: z.number().nonnegative(), walBytes: z.number().nonnegative() })).min(1),
});

function readRun(path: string): RunFigures {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path}: not a readable JSON file (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = RunFile.safeParse(json);
  if (!parsed.success) throw new UsageError(`${path}: not a bench:e2e result (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return { tracks: parsed.data.seed.tracks, phases: parsed.data.phases };
}

function main(argv: string[]): number {
  const program = new Command('compare')
    .description('Compare two bench:e2e results: per phase, time ratio (B ÷ A) against the tracks ratio.')
    .argument('<a>', 'the smaller run\'s JSON (e.g. 1M tracks)')
    .argument('<b>', 'the larger run\'s JSON (e.g. 10M tracks)')
    .addHelpText('after', `
"per track" is the time ratio ÷ the tracks ratio: 1.00 is linear, 1.30 means 30 % more time per track in B.
Within ±${LINEAR_TOLERANCE * 100} % counts as linear: runs on a shared machine drift about that much.`)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .parse(argv);
  const [a, b] = program.processedArgs as [string, string];
  const result = compareRuns(readRun(a), readRun(b));
  printLine(`A ${result.tracksA} tracks, B ${result.tracksB} tracks: ${result.tracksRatio}× the tracks`);
  printLine(formatTable(['phase', 'A s', 'B s', 'time ×', 'per track', 'WAL ×', 'scaling'],
    result.phases.map((p) => [p.phase, p.secondsA.toFixed(1), p.secondsB.toFixed(1), p.timeRatio.toFixed(2), p.perTrackRatio.toFixed(2),
      p.walRatio === null ? '-' : p.walRatio.toFixed(2), p.verdict])));
  return 0;
}

try {
  process.exitCode = main(process.argv);
} catch (err) {
  reportError(err, !(err instanceof CommanderError) && !(err instanceof TracktionError));
  process.exitCode = exitCodeFor(err);
}
