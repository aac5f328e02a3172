import { describeJob, settle } from '../fleetOps.js';
import type { Scenario } from '../types.js';
import { completedJob, LIBRARY_TRACKS } from './common.js';

/**
 * What `db restore` of a dump taken before the first job leaves (or `db rollback` of the ledger revisions and
 * `db migrate` with the data restored): the ledger empty with its ids restarting at 1, the data as before —
 * while Redis (BullMQ) still remembers the first job's request. Every ledger table, found by name, so a table a
 * later revision adds is emptied too.
 */
const RESET_LEDGER_SQL = `
  DO $$ DECLARE tables text; BEGIN
    SELECT string_agg(format('%I', tablename), ', ') INTO tables FROM pg_tables
     WHERE schemaname = current_schema() AND tablename LIKE 'backfill\\_%';
    EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY CASCADE';
  END $$;
  DELETE FROM analysis_history;
  UPDATE tracks SET energy_level = NULL, danceability = NULL, valence = NULL, acousticness = NULL, instrumentalness = NULL,
         analysis_version = NULL, analysis_metadata = NULL;`;

export const reusedJobIds: Scenario = {
  name: 'reused-ids',
  item: '5',
  fault: 'ledger reset (tables truncated, ids restart, data restored) with the same Redis namespace, then a new job',
  tracks: LIBRARY_TRACKS,
  async run(ctx) {
    ctx.start(['producer']);
    ctx.start(['consumer']);
    const first = await ctx.enqueue(['--range-size', '250']);
    ctx.note(`job ${first} ${await ctx.fleet.waitForJobEnd(first, 180_000)}`);
    await ctx.fleet.pool.query(RESET_LEDGER_SQL);
    ctx.note('ledger reset and data restored');
    const second = await ctx.enqueue(['--range-size', '250']);
    ctx.note(`new job got id ${second}${second === first ? ' (reused)' : ''}`);
    const state = await settle(ctx.fleet, second, ctx.settleMs);
    ctx.note(`then: ${state.startsWith('not ended') ? state : await describeJob(ctx.fleet, second)}`);
    return { reference: [{}], compared: [second], jobs: [completedJob(second)] };
  },
};
