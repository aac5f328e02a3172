import { Redis } from 'ioredis';
import { slowRanges } from '../../../fleet/faults.js';
import { describeJob, planningComplete, settle, sleep, waitMidPlanning } from '../fleetOps.js';
import type { Scenario, ScenarioContext } from '../types.js';
import { completedJob, faultMoment } from './common.js';

/**
 * Paced planning with the range size left to adapt (25 rows asked for, up to 100 as ranges go faster than the
 * target): a planner that starts afresh cuts 25-row ranges again from the ledger's last range while the first one
 * cuts bigger ones from its own cursor — a pinned size would hide the conflict, as both would cut identical ranges.
 * Enough tracks for several planning chunks (50 ranges each) after the fault: every chunk is another race.
 */
const ADAPTIVE_PACED_PLANNING = { BACKFILL_PLANNING_WINDOW: '3', BACKFILL_MIN_RANGE_SIZE: '25', BACKFILL_MAX_RANGE_SIZE: '100' };
const ASKED_RANGE_SIZE = '25';
const TRACKS = 24_000;

const FLUSHES = 2;

/**
 * Whether the request is back after a flush: a producer works on it (the queue's active list), or it already
 * ended (completed or failed set). The scenario has one job, so the request's id — whose format is the producer's
 * business — is not needed.
 */
async function requestBack(ctx: ScenarioContext): Promise<boolean> {
  const redis = new Redis(ctx.redis.url);
  const key = (part: string) => `${ctx.fleet.names.bullPrefix}:${ctx.fleet.names.requestQueue}:${part}`;
  try {
    return (await redis.llen(key('active'))) + (await redis.zcard(key('completed'))) + (await redis.zcard(key('failed'))) > 0;
  } finally {
    redis.disconnect();
  }
}

/** BullMQ's lock on a request (the producer's Worker lockDuration): a stall longer than it lets the request be taken again. */
const REQUEST_LOCK_MS = 30_000;

/** Two planners on one job: Redis loses the request while the producer is mid-planning and the keeper re-adds it. */
export const redisFlushDuringPlanning: Scenario = {
  name: 'redis-flush-planning',
  item: '1',
  fault: 'private Redis flushed twice while the producer is mid-planning (planning window 3)',
  tracks: TRACKS,
  env: ADAPTIVE_PACED_PLANNING,
  needsRedis: true,
  async run(ctx) {
    await slowRanges(ctx.fleet.pool, 0.1);
    ctx.start(['producer']);
    ctx.start(['producer']);
    ctx.start(['consumer']);
    const jobId = await ctx.enqueue(['--range-size', ASKED_RANGE_SIZE]);
    await waitMidPlanning(ctx.fleet, jobId, faultMoment(ctx));
    // Each flush the keeper repairs adds one more planner on the job: two flushes, three planners racing.
    for (let flush = 1; flush <= FLUSHES; flush++) {
      await ctx.redis.flushAll();
      ctx.note(`flush ${flush} at ${await describeJob(ctx.fleet, jobId)}`);
      // (A job whose planning ended meanwhile gets no request back: nothing is left to plan.)
      await ctx.fleet.waitFor(async () => (await requestBack(ctx)) || (await planningComplete(ctx.fleet, jobId)),
        'the keeper to re-add the request', 30_000);
    }
    ctx.note(`then: ${await settle(ctx.fleet, jobId, ctx.settleMs)}`);
    return { reference: [{}], compared: [jobId], jobs: [completedJob(jobId)] };
  },
};

/** The same through a stall: Redis frozen (SIGSTOP) longer than the request's lock, so BullMQ hands it out again. */
export const redisStallDuringPlanning: Scenario = {
  name: 'redis-stall-planning',
  item: '1',
  fault: `private Redis stalled (SIGSTOP) for ${(REQUEST_LOCK_MS + 8000) / 1000} s (> BullMQ lock) mid-planning`,
  tracks: TRACKS,
  env: ADAPTIVE_PACED_PLANNING,
  needsRedis: true,
  async run(ctx) {
    // Slow enough that planning outlasts the stall and BullMQ's next stalled-request check (another 30 s).
    await slowRanges(ctx.fleet.pool, 0.3);
    ctx.start(['producer']);
    ctx.start(['producer']);
    ctx.start(['consumer']);
    const jobId = await ctx.enqueue(['--range-size', ASKED_RANGE_SIZE]);
    await waitMidPlanning(ctx.fleet, jobId, faultMoment(ctx));
    ctx.redis.stall();
    ctx.note(`Redis stalled at ${await describeJob(ctx.fleet, jobId)}`);
    // Held on purpose past the request lock's TTL: the stall lasting that long is the fault under test.
    await sleep(REQUEST_LOCK_MS + 8000);
    ctx.redis.resume();
    ctx.note(`Redis resumed at ${await describeJob(ctx.fleet, jobId)}`);
    ctx.note(`then: ${await settle(ctx.fleet, jobId, Math.max(ctx.settleMs, 240_000))}`);
    return { reference: [{}], compared: [jobId], jobs: [completedJob(jobId)] };
  },
};
