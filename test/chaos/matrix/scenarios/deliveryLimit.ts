import { slowRanges } from '../../../fleet/faults.js';
import { describeJob, liveConsumers, rangesDone, settle, stopProcess, withChannel } from '../fleetOps.js';
import type { Scenario } from '../types.js';
import { completedJob, LIBRARY_TRACKS } from './common.js';

const RESTARTS = 12;

/**
 * Giving a message back must be free: the job is paused, its one consumer holds a range and is restarted 12
 * times (each restart gives the held message back to the queue), then the job is resumed. With 5 attempts the
 * broker's delivery limit is 10 deliveries.
 */
export const pauseWithRestarts: Scenario = {
  name: 'pause-12-restarts',
  item: '7',
  fault: `job paused, its consumer restarted ${RESTARTS} times (SIGTERM, start) while holding a range, then resumed`,
  tracks: LIBRARY_TRACKS,
  env: { BACKFILL_MAX_ATTEMPTS: '5' },
  async run(ctx) {
    await slowRanges(ctx.fleet.pool, 0.2);
    ctx.start(['producer']);
    let consumer = ctx.start(['consumer', '--prefetch', '1']);
    const jobId = await ctx.enqueue(['--range-size', '250']);
    await ctx.fleet.waitFor(async () => (await rangesDone(ctx.fleet, jobId)) >= 1, 'a range done');
    const paused = await ctx.cli(['backfill', 'pause', String(jobId)]);
    if (paused.code !== 0) throw new Error(`pause exited ${paused.code}: ${paused.stderr}`);
    ctx.note(`paused at ${await describeJob(ctx.fleet, jobId)}`);
    for (let i = 0; i < RESTARTS; i++) {
      await holdingARange(ctx, consumer.pid);
      await stopProcess(consumer);
      consumer = ctx.start(['consumer', '--prefetch', '1']);
    }
    await holdingARange(ctx, consumer.pid);
    const dead = await withChannel(ctx.fleet, async (ch) => (await ch.checkQueue(ctx.fleet.names.deadQueue)).messageCount);
    ctx.note(`${RESTARTS} restarts done; dead-letter queue holds ${dead}`);
    const resumed = await ctx.cli(['backfill', 'resume', String(jobId)]);
    if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}: ${resumed.stderr}`);
    ctx.note(`then: ${await settle(ctx.fleet, jobId, ctx.settleMs)}`);
    return { reference: [{}], compared: [jobId], jobs: [completedJob(jobId)] };
  },
};

/** Wait until the consumer `pid` reports a range in hand (or, once every message is gone, give up quietly). */
async function holdingARange(ctx: Parameters<Scenario['run']>[0], pid: number | undefined): Promise<void> {
  await ctx.fleet.waitFor(async () => (await liveConsumers(ctx.fleet)).some((c) => c.pid === pid && c.currentRanges.length > 0),
    `consumer ${pid} to hold a range of the paused job`, 30_000).catch(() => ctx.note(`consumer ${pid} got no range to hold`));
}
