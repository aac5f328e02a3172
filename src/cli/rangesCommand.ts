import { Command, InvalidArgumentError, Option } from 'commander';
import type { JobRow } from '../shared/ledger/jobs.js';
import { listRanges } from '../shared/ledger/rangeList.js';
import { RANGE_STATES, type RangeState } from '../shared/ledger/states.js';
import type { FleetContext } from './fleetContext.js';
import { withFleet } from './fleetContext.js';
import { intOption } from './options.js';
import { printLine, printMessage } from './output.js';
import { formatRangeTable } from './rangeFormat.js';
import { safeJson } from './safeText.js';

/** Ranges listed when --limit is not given: a screenful of reasons, not the whole ledger. */
const DEFAULT_LIMIT = 100;

/** How `backfill ranges` finds the job named on its command line (the backfill group's own lookup). */
export type JobFinder = (ctx: FleetContext, jobArg: string) => Promise<JobRow>;

/**
 * `--state` values, repeatable and comma-separated (`--state failed --state pending` = `--state failed,pending`).
 * A name that is no range state is a usage error that lists the valid ones.
 */
export function rangeStatesOption(value: string, previous: RangeState[] = []): RangeState[] {
  const states = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const wrong = states.find((s) => !(RANGE_STATES as readonly string[]).includes(s));
  if (wrong !== undefined || states.length === 0) {
    throw new InvalidArgumentError(`must be one of ${RANGE_STATES.join(', ')} (comma-separated or repeated)`);
  }
  return [...new Set([...previous, ...(states as RangeState[])])];
}

/** `backfill ranges JOB`: a job's ranges with their state, attempts and the last error of each. */
export function registerRangesCommand(backfill: Command, findJob: JobFinder): void {
  backfill.command('ranges <job>')
    .description('a job\'s ranges: ids, state, attempts and the last error a consumer recorded (why a range failed)')
    .addOption(new Option('--state <states>', `only ranges in these states: ${RANGE_STATES.join(', ')} (repeatable or comma-separated)`).argParser(rangeStatesOption))
    .addOption(new Option('--after <range>', 'only ranges after this range id (to page on)').argParser(intOption(0, Number.MAX_SAFE_INTEGER)))
    .addOption(new Option('--limit <n>', `at most this many ranges (default ${DEFAULT_LIMIT})`).argParser(intOption(1, 100_000)))
    .option('--json', 'print one JSON array of ranges')
    .addHelpText('after', '\nExamples:\n  $ tracktion-migrate backfill ranges 7 --state failed\n  $ tracktion-migrate backfill ranges 7 --state pending,published --after 400 --limit 50 --json')
    .action(async (jobArg: string, opts: { state?: RangeState[]; after?: number; limit?: number; json?: boolean }) => withFleet(async (ctx) => {
      const job = await findJob(ctx, jobArg);
      const limit = opts.limit ?? DEFAULT_LIMIT;
      // One more than asked for: says whether there is a next page without counting the whole job.
      const read = await listRanges(await ctx.pool(), job.id, { states: opts.state, afterRangeId: opts.after, limit: limit + 1 });
      const ranges = read.slice(0, limit);
      // Last errors can quote the data (a row's values, a file path): JSON escapes every control character.
      if (opts.json) printLine(safeJson(ranges));
      else if (ranges.length > 0) printLine(formatRangeTable(ranges));
      if (ranges.length === 0) printMessage(`job ${job.id}: no ranges${opts.state ? ` in state ${opts.state.join(', ')}` : ''}${opts.after !== undefined ? ` after range ${opts.after}` : ''}`);
      const last = ranges.at(-1);
      if (read.length > limit && last) printMessage(`more ranges follow: --after ${last.rangeId}`);
    }));
}
