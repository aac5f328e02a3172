import { expect } from 'chai';
import { migrateToLatest, rollback } from '../../src/schema/migrator.js';
import { JOB_STATES, RANGE_STATES } from '../../src/shared/ledger/states.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { silentLogger, sql } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

const PREVIOUS = 'FleetRoleStatsOnly1732500008000';
const CHECKS = ['ck_backfill_jobs_state', 'ck_backfill_job_events_from_state', 'ck_backfill_job_events_to_state', 'ck_backfill_ranges_state'];

/** The ledger's state columns refuse any state the state machine does not know. */
describe('revision LedgerStateChecks: CHECK constraints on the ledger\'s states', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  const checks = async () => (await sql(db.url,
    `SELECT conname, convalidated, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = ANY($1::text[]) ORDER BY conname`,
    [CHECKS])).rows as { conname: string; convalidated: boolean; def: string }[];
  const refusal = (text: string, params: unknown[] = []) => sql(db.url, text, params).then(() => undefined, (e: unknown) => e as { code?: string; constraint?: string });

  before(async () => {
    db = await createTestDatabase('tm_ledger_state_checks');
    await migrateToLatest(db.url, allMigrations, silentLogger);
    await sql(db.url, `INSERT INTO backfill_jobs (analysis_version, range_size) VALUES ('v1', 100)`);
  });
  after(async () => db?.drop());

  it('adds the constraints, validated, listing every state of the state machine', async () => {
    const found = await checks();
    expect(found.map((c) => c.conname)).to.have.members(CHECKS);
    for (const c of found) expect(c.convalidated, c.conname).to.equal(true);
    const jobs = found.find((c) => c.conname === 'ck_backfill_jobs_state') as { def: string };
    for (const state of JOB_STATES) expect(jobs.def, state).to.include(`'${state}'`);
    const ranges = found.find((c) => c.conname === 'ck_backfill_ranges_state') as { def: string };
    for (const state of RANGE_STATES) expect(ranges.def, state).to.include(`'${state}'`);
  });

  it('refuses a job, an event or a range in a state the state machine does not know', async () => {
    expect(await refusal(`UPDATE backfill_jobs SET state = 'enumerated'`)).to.include({ code: '23514', constraint: 'ck_backfill_jobs_state' });
    expect(await refusal(`INSERT INTO backfill_job_events (job_id, from_state, to_state, actor) SELECT id, 'queued', 'done', 'test' FROM backfill_jobs`))
      .to.include({ code: '23514', constraint: 'ck_backfill_job_events_to_state' });
    expect(await refusal(`INSERT INTO backfill_job_events (job_id, from_state, to_state, actor) SELECT id, 'pending', 'running', 'test' FROM backfill_jobs`))
      .to.include({ code: '23514', constraint: 'ck_backfill_job_events_from_state' });
    expect(await refusal(`INSERT INTO backfill_ranges (job_id, range_id, start_id, end_id, planned_rows, state) SELECT id, 1, 1, 10, 10, 'finalized' FROM backfill_jobs`))
      .to.include({ code: '23514', constraint: 'ck_backfill_ranges_state' });
    expect(await refusal(`UPDATE backfill_jobs SET state = 'finalized'`), 'a known state').to.equal(undefined);
  });

  it('down removes the new constraints and keeps the range check it found', async () => {
    await rollback(db.url, { revisions: allMigrations, to: PREVIOUS, logger: silentLogger });
    const found = await checks();
    expect(found.map((c) => c.conname)).to.deep.equal(['ck_backfill_ranges_state']);
    expect(await refusal(`UPDATE backfill_jobs SET state = 'enumerated'`)).to.equal(undefined);
    await sql(db.url, `UPDATE backfill_jobs SET state = 'queued'`);
    await migrateToLatest(db.url, allMigrations, silentLogger);
    expect((await checks()).map((c) => c.conname)).to.have.members(CHECKS);
  });
});
