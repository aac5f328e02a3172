import { sleepAfterWrites, sleepingConsumerBackend } from '../../../fleet/faults.js';
import { describeJob, freeze, liveConsumers, settle, thaw } from '../fleetOps.js';
import type { Scenario, ScenarioContext } from '../types.js';
import { completedJob, LIBRARY_TRACKS } from './common.js';

const V1 = '2024.1';
const V2 = '2024.2';

/** Rolling back an older job must not wipe a newer job's values: refused, or v2's values stay. */
export const rollbackOrder: Scenario = {
  name: 'rollback-order',
  item: '2',
  fault: 'job v1 then job v2 over the same tracks, then `backfill rollback <v1> --yes`',
  tracks: LIBRARY_TRACKS,
  async run(ctx) {
    ctx.start(['producer']);
    ctx.start(['consumer']);
    ctx.start(['consumer']);
    const v1 = await ctx.enqueue(['--range-size', '250', '--analysis-version', V1]);
    ctx.note(`job ${v1} (${V1}) ${await ctx.fleet.waitForJobEnd(v1, 180_000)}`);
    const v2 = await ctx.enqueue(['--range-size', '250', '--analysis-version', V2]);
    ctx.note(`job ${v2} (${V2}) ${await ctx.fleet.waitForJobEnd(v2, 180_000)}`);
    const rollback = await ctx.cli(['backfill', 'rollback', String(v1), '--yes']);
    if (rollback.code !== 0) {
      // Refused: both jobs' writes stay, so the reference is v1 then v2 uninterrupted.
      ctx.note(`rollback ${v1} refused (exit ${rollback.code}): ${firstLine(rollback.stderr)}`);
      return { reference: [{ analysisVersion: V1 }, { analysisVersion: V2 }], compared: [v1, v2], jobs: [completedJob(v1), completedJob(v2)] };
    }
    ctx.note(`rollback ${v1} ran: ${firstLine(rollback.stdout)}`);
    // Accepted: it may only take back what v1 still holds — v2's values and rows stay, as if v2 alone had run.
    return { reference: [{ analysisVersion: V2 }], compared: [v2],
      jobs: [{ id: v1, expect: ['rolled_back'], ledgerChecks: false }, completedJob(v2)] };
  },
};

/** How long the first range write sleeps inside its transaction (the consumer is frozen meanwhile). */
const WRITE_SLEEP_SECONDS = 6;

/**
 * A consumer frozen (SIGSTOP) inside a range transaction past the heartbeat TTL while the operator cancels and
 * rolls back the job, then thawed: no write of it may land — the library ends untouched.
 */
export const stalledConsumerAcrossCancelRollback: Scenario = {
  name: 'stalled-consumer-cancel-rollback',
  item: '3',
  fault: 'consumer SIGSTOPped mid-range past HEARTBEAT_TTL across `cancel` + `rollback`, then SIGCONT',
  tracks: LIBRARY_TRACKS,
  async run(ctx) {
    await sleepAfterWrites(ctx.fleet.pool, WRITE_SLEEP_SECONDS, 1);
    ctx.start(['producer']);
    const consumer = ctx.start(['consumer', '--prefetch', '1']);
    const jobId = await ctx.enqueue(['--range-size', '250']);
    await ctx.fleet.waitFor(async () => (await sleepingConsumerBackend(ctx.fleet.pool)) !== undefined, 'a range write in progress');
    freeze(consumer);
    await ctx.fleet.waitFor(async () => (await liveConsumers(ctx.fleet)).length === 0, 'the frozen consumer\'s heartbeat to expire', 30_000);
    ctx.note('consumer frozen inside its first range; heartbeat expired');
    const operator = cancelThenRollback(ctx, jobId);
    // A bound, not a wait: cancel is expected to wait for the frozen range, so there is no condition to poll for.
    // Thaw when the operator is done, or after a while if cancel waits for the frozen range (as it should).
    const waited = await Promise.race([operator.then(() => 'operator done'), new Promise((r) => setTimeout(r, 20_000)).then(() => 'operator still waiting')]);
    thaw(consumer);
    ctx.note(`consumer thawed (${waited})`);
    await operator;
    await ctx.fleet.waitFor(async () => !(await rangeInFlight(ctx)), 'the thawed consumer to finish its range', 60_000);
    ctx.note(`end: ${await describeJob(ctx.fleet, jobId)}`);
    return { reference: [], compared: [], jobs: [{ id: jobId, expect: ['rolled_back'], ledgerChecks: false }] };
  },
};

/** The operator's sequence: cancel, wait for `cancelled`, roll back; each step's outcome is noted. */
async function cancelThenRollback(ctx: ScenarioContext, jobId: number): Promise<void> {
  const cancel = await ctx.cli(['backfill', 'cancel', String(jobId)]);
  ctx.note(`cancel exited ${cancel.code}`);
  const state = await settle(ctx.fleet, jobId, 90_000);
  ctx.note(`job ${state}`);
  const rollback = await ctx.cli(['backfill', 'rollback', String(jobId), '--yes']);
  ctx.note(`rollback exited ${rollback.code}: ${firstLine(rollback.code === 0 ? rollback.stdout : rollback.stderr)}`);
}

/** A consumer backend still inside a transaction (sleeping in the injected fault, writing, or idle in it). */
async function rangeInFlight(ctx: ScenarioContext): Promise<boolean> {
  const { rows } = await ctx.fleet.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'tracktion-consumer%' AND xact_start IS NOT NULL`);
  return (rows[0]?.n ?? 0) > 0;
}

export function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 160) ?? '';
}
