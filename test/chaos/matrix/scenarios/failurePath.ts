import { convertLegacy } from '../../../../src/shared/conversion/convert.js';
import { sleepingConsumerBackend } from '../../../fleet/faults.js';
import type { FleetHarness } from '../../../fleet/fleetHarness.js';
import { describeJob, settle } from '../fleetOps.js';
import type { Scenario } from '../types.js';
import { databaseProxy, LIBRARY_TRACKS, outage, pinnedRangeSize } from './common.js';

const POISON_SLEEP_SECONDS = 3;
const CUT_MS = 5000;
const RANGE_SIZE = 250;

/**
 * A poisoned range: writing the history row of one chosen track sleeps, then fails — always. With one attempt
 * per range, every failure is the last one, so the range is marked failed and the job ends `failed`, in the
 * reference too. The chosen track is the first convertible one past the middle of the library (the same in both
 * databases, as the data is).
 */
async function poisonOneRange({ fleet }: { fleet: FleetHarness }): Promise<void> {
  const { rows } = await fleet.pool.query<{ id: number; analysis_data: string | null }>(
    `SELECT id, analysis_data FROM tracks WHERE id >= (SELECT (min(id) + max(id)) / 2 FROM tracks) ORDER BY id LIMIT 1000`);
  const now = new Date();
  const poisoned = rows.find((r) => convertLegacy(r.analysis_data, { analysisVersion: '2024.1', now }).outcome === 'converted');
  if (!poisoned) throw new Error('no convertible track to poison');
  await fleet.pool.query(`
    CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_sleep(${POISON_SLEEP_SECONDS}); RAISE EXCEPTION 'test: poisoned track %', NEW.track_id; END $$;
    CREATE TRIGGER test_poison BEFORE INSERT ON analysis_history FOR EACH ROW
      WHEN (NEW.track_id = ${Number(poisoned.id)}) EXECUTE FUNCTION test_poison();`);
}

/** The failure path itself fails: PostgreSQL is cut while the poisoned range fails on its last attempt. */
export const failurePathFails: Scenario = {
  name: 'failure-path-pg-cut',
  item: '6',
  fault: `PostgreSQL cut for ${CUT_MS / 1000} s for the consumer while a range fails on its last attempt`,
  tracks: LIBRARY_TRACKS,
  // The failed range shows in the end state (none of its rows converted): both runs cut the same ranges.
  env: { BACKFILL_MAX_ATTEMPTS: '1', ...pinnedRangeSize(RANGE_SIZE) },
  referenceEnv: { BACKFILL_MAX_ATTEMPTS: '1', ...pinnedRangeSize(RANGE_SIZE) },
  prepare: poisonOneRange,
  async run(ctx) {
    const { proxy, env } = await databaseProxy(ctx);
    ctx.start(['producer']);
    ctx.start(['consumer', '--prefetch', '1'], env);
    const jobId = await ctx.enqueue(['--range-size', String(RANGE_SIZE)]);
    await ctx.fleet.waitFor(async () => (await sleepingConsumerBackend(ctx.fleet.pool)) !== undefined, 'the poisoned range to be written', 120_000);
    ctx.note(`poisoned range in its last attempt: ${await describeJob(ctx.fleet, jobId)}`);
    await outage(ctx, proxy, CUT_MS, 'PostgreSQL (for the consumer)');
    ctx.note(`then: ${await settle(ctx.fleet, jobId, ctx.settleMs)}`);
    return { reference: [{ rangeSize: RANGE_SIZE }], compared: [jobId], jobs: [{ id: jobId, expect: ['failed'], ledgerChecks: true }] };
  },
};
