import { describeJob, settle, stopProcess, withChannel } from '../fleetOps.js';
import type { Scenario, ScenarioContext } from '../types.js';
import { completedJob, LIBRARY_TRACKS, pinnedRangeSize } from './common.js';

/**
 * A broker that lost two jobs' messages (the work queue purged while no consumer ran). The producer is
 * restarted (its start-up `resume-lost`), the operator runs `backfill resume-lost` for each job while the
 * republished messages still wait in the queue, then consumers start. The first job has more ranges than the
 * second, as in the report.
 */
export const brokerLostTwoJobs: Scenario = {
  name: 'broker-lost-two-jobs',
  item: '8',
  fault: 'work queue purged while it held two jobs\' messages; producer restarted; `resume-lost` per job',
  tracks: LIBRARY_TRACKS,
  env: pinnedRangeSize(100),
  async run(ctx) {
    const { rows } = await ctx.fleet.pool.query<{ split: number }>(
      `SELECT (min(id) + (max(id) - min(id)) * 0.6)::int AS split FROM tracks WHERE analysis_data IS NOT NULL`);
    const split = rows[0]?.split ?? 0;
    const producer = ctx.start(['producer']);
    const first = await ctx.enqueue(['--range-size', '100', '--to-id', String(split)]);
    const second = await ctx.enqueue(['--range-size', '100', '--from-id', String(split + 1)]);
    for (const jobId of [first, second]) await waitPublished(ctx, jobId);
    await stopProcess(producer);
    const purged = await withChannel(ctx.fleet, async (ch) => (await ch.purgeQueue(ctx.fleet.names.workQueue)).messageCount);
    ctx.note(`purged ${purged} message(s) of jobs ${first} and ${second}`);
    ctx.start(['producer']);
    // The producer's start-up run is over once it has republished something and the queue stops growing.
    let last = -1;
    await ctx.fleet.waitFor(async () => {
      const now = await queued(ctx);
      const stable = now > 0 && now === last;
      last = now;
      return stable;
    }, 'the restarted producer to republish', 60_000);
    ctx.note(`after the producer's start-up run the queue holds ${last}`);
    for (const jobId of [first, second]) {
      const report = await ctx.cli(['backfill', 'resume-lost', String(jobId), '--json']);
      const parsed = report.code === 0 ? JSON.parse(report.stdout) as { openRanges: number; messagesHeld: number; republished: number } : undefined;
      ctx.note(parsed ? `resume-lost ${jobId}: ${parsed.openRanges} open, ${parsed.messagesHeld} held, ${parsed.republished} republished`
        : `resume-lost ${jobId} exited ${report.code}`);
    }
    ctx.start(['consumer']);
    ctx.start(['consumer']);
    for (const jobId of [first, second]) {
      const state = await settle(ctx.fleet, jobId, ctx.settleMs);
      ctx.note(state.startsWith('not ended') ? state : await describeJob(ctx.fleet, jobId));
    }
    return { reference: [{ toId: split }, { fromId: split + 1 }], compared: [first, second], jobs: [completedJob(first), completedJob(second)] };
  },
};

async function waitPublished(ctx: ScenarioContext, jobId: number): Promise<void> {
  await ctx.fleet.waitFor(async () => {
    const { rows } = await ctx.fleet.pool.query<{ ok: boolean }>(
      `SELECT j.enumeration_complete AND j.state = 'running'
              AND NOT EXISTS (SELECT 1 FROM backfill_ranges r WHERE r.job_id = j.id AND r.state = 'pending') AS ok
         FROM backfill_jobs j WHERE j.id = $1`, [jobId]);
    return rows[0]?.ok ?? false;
  }, `job ${jobId} planned and published`, 120_000);
}

async function queued(ctx: ScenarioContext): Promise<number> {
  return withChannel(ctx.fleet, async (ch) => (await ch.checkQueue(ctx.fleet.names.workQueue)).messageCount);
}
