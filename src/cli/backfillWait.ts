import { ExitCode } from '../shared/exitCodes.js';
import { getJob } from '../shared/ledger/jobs.js';
import { SUCCEEDED_JOB_STATES, isFinalJobState } from '../shared/ledger/states.js';
import { collectJobStatus, type JobStatus } from '../operations/status/jobStatus.js';
import type { FleetContext } from './fleetContext.js';
import { printMessage } from './output.js';
import { progressLine } from './statusFormat.js';
import { TracktionError } from '../shared/errors.js';
import { stderrLiveLine } from '../shared/liveLine.js';

export interface WaitOptions {
  timeoutSeconds?: number | undefined;
  /** Show a live progress line on stderr. */
  progress: boolean;
  pollMs?: number;
}

/**
 * Follow a job until it ends: exit 0 when completed, 1 when it failed, was cancelled or has failed
 * ranges, 2 when the timeout came first.
 */
export async function waitForJob(ctx: FleetContext, jobId: number, options: WaitOptions): Promise<{ code: number; status: JobStatus }> {
  const pool = await ctx.pool();
  const deps = await ctx.statusDeps({ requireBroker: false });
  const deadline = options.timeoutSeconds !== undefined ? Date.now() + options.timeoutSeconds * 1000 : Infinity;
  for (;;) {
    const job = await getJob(pool, jobId);
    if (!job) throw new TracktionError('job_vanished', `backfill job ${jobId} is no longer in the ledger (reset or restored while waiting)`);
    const status = await collectJobStatus(deps, job);
    // The live line redraws on a terminal and prints a plain line every few seconds elsewhere.
    if (options.progress) stderrLiveLine.update(progressLine(status));
    if (isFinalJobState(job.state)) {
      stderrLiveLine.end();
      const ok = SUCCEEDED_JOB_STATES.includes(job.state) && status.ranges.failed === 0;
      return { code: ok ? ExitCode.ok : ExitCode.failure, status };
    }
    if (Date.now() >= deadline) {
      printMessage(`timed out waiting for job ${jobId} (state ${job.state})`);
      return { code: ExitCode.partial, status };
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}
