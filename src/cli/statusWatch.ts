import { getJob } from '../shared/ledger/jobs.js';
import { isFinalJobState } from '../shared/ledger/states.js';
import { collectJobStatus, type StatusDeps } from '../operations/status/jobStatus.js';
import type { FleetContext } from './fleetContext.js';
import { isStdoutClosed, printJson, printLine, writeOut } from './output.js';
import { formatStatus, progressLine } from './statusFormat.js';

/**
 * `backfill status --watch`: redraw the full status on a terminal, one progress line per update when
 * stdout is a pipe or a file, NDJSON with --json. Ends when the job does (or on Ctrl-C).
 */
export async function watchStatus(ctx: FleetContext, jobId: number, deps: StatusDeps, options: { json: boolean; intervalMs: number; exact: boolean }): Promise<void> {
  const pool = await ctx.pool();
  const tty = process.stdout.isTTY && !options.json;
  let stop = false;
  const onSignal = () => { stop = true; };
  process.once('SIGINT', onSignal);
  try {
    while (!stop && !isStdoutClosed()) {
      const job = await getJob(pool, jobId);
      if (!job) return;
      const status = await collectJobStatus(deps, job, { exact: options.exact });
      if (options.json) printJson(status);
      else if (tty) writeOut(`\x1b[H\x1b[2J${formatStatus(status)}\n`);
      else printLine(`${new Date().toISOString()} ${progressLine(status)}`);
      if (isFinalJobState(job.state)) return;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
}
