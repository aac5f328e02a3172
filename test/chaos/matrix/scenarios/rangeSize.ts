import type { Scenario, ScenarioContext } from '../types.js';
import { describeJob, settle, type FleetProcess } from '../fleetOps.js';
import { firstLine } from './rollback.js';

const TRACKS = 60_000;
/**
 * The consumer's memory, scaled down with the data: a 48 MB heap converts ranges of the default maximum size
 * (2,000 rows) but not one range of the whole library (~58,000 rows; measured: the heap runs out) — as the
 * shipped 512 Mi pod with a 1,000,000-row range of real blobs.
 */
const CONSUMER_HEAP_MB = 48;
/** Like a pod's restart policy: a consumer that died is started again, this many times. */
const RESTARTS = 4;
const USAGE_EXIT_CODE = 64;

/** An over-large range must be refused with a usage error, or converted within the consumer's memory. */
export const overLargeRange: Scenario = {
  name: 'over-large-range',
  item: '9',
  fault: `enqueue --range-size 1000000 over ${TRACKS} tracks; consumer heap ${CONSUMER_HEAP_MB} MB, restarted when it dies`,
  tracks: TRACKS,
  async run(ctx) {
    ctx.start(['producer']);
    const crashes = superviseConsumer(ctx);
    const enqueued = await ctx.cli(['backfill', 'enqueue', '--range-size', '1000000', '--json']);
    if (enqueued.code !== 0) {
      const { rows } = await ctx.fleet.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM backfill_jobs');
      ctx.note(`enqueue refused (exit ${enqueued.code}${enqueued.code === USAGE_EXIT_CODE ? ', usage error' : ''}): ${firstLine(enqueued.stderr)}; ${rows[0]?.n ?? 0} job(s) recorded`);
      if (enqueued.code !== USAGE_EXIT_CODE || (rows[0]?.n ?? 0) > 0) throw new Error('refused, but not as a usage error with no job recorded');
      return { reference: [], compared: [], jobs: [] };
    }
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    ctx.note(`accepted as job ${jobId}`);
    const state = await settle(ctx.fleet, jobId, ctx.settleMs);
    ctx.note(`consumer died ${crashes.count} time(s); then: ${state.startsWith('not ended') ? state : await describeJob(ctx.fleet, jobId)}`);
    crashes.stop();
    return { reference: [{}], compared: [jobId], jobs: [{ id: jobId, expect: ['completed'], ledgerChecks: true }] };
  },
};

/** One consumer with a small heap, started again whenever it dies (up to RESTARTS times). */
function superviseConsumer(ctx: ScenarioContext): { readonly count: number; stop(): void } {
  let count = 0;
  let stopped = false;
  const start = (): FleetProcess => {
    const child = ctx.start(['consumer', '--prefetch', '1'], { NODE_OPTIONS: `--max-old-space-size=${CONSUMER_HEAP_MB}` });
    void child.exited.then(() => {
      if (stopped) return;
      count++;
      if (count <= RESTARTS) start();
    });
    return child;
  };
  start();
  return { get count() { return count; }, stop: () => { stopped = true; } };
}
