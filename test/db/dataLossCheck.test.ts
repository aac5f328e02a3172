import { expect } from 'chai';
import { migrateToLatest, migrate } from '../../src/schema/migrator.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { ANALYSIS_FIELDS, BASELINE, silentLogger, sql } from './catalog.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * `db rollback` counts what it would drop — every analysis column, analysis_history, the ledger and the rollback
 * snapshots `backfill rollback` could still use — and stops (ABORT, naming each count) unless confirmed. Run as
 * --dry-run: the verdicts are enforced the same way, and the database stays as the test set it up.
 */
describe('db rollback data-loss count', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const rollback = (...args: string[]) => runCli(['db', 'rollback', '--dry-run', ...args], { env });

  beforeEach(async () => {
    db = await createTestDatabase('tm_data_loss');
    env = testEnv({ DATABASE_URL: db.url });
    await migrate(db.url, { revisions: allMigrations, to: ANALYSIS_FIELDS, logger: silentLogger });
    await sql(db.url, `INSERT INTO tracks (id, file_path, created_at) VALUES (1, 'a', now()), (2, 'b', now()), (3, 'c', now())`);
  });
  afterEach(async () => db.drop());

  const analysisAbort = (what: string) => `pre-flight  ABORT  analysis data: reverting ${ANALYSIS_FIELDS} drops ${what} — pass --allow-data-loss to drop them`;

  it('nothing to lose: OK', async () => {
    const result = await rollback();
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include('pre-flight  OK     analysis data: no analysis data would be dropped');
  });

  it('scores without an analysis_version stop the rollback, counted per column', async () => {
    await sql(db.url, 'UPDATE tracks SET energy_level = 0.5, valence = 0.1 WHERE id IN (1, 2)');
    await sql(db.url, 'UPDATE tracks SET instrumentalness = 0.9 WHERE id = 3');
    const result = await rollback();
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.include(analysisAbort('3 track(s) with analysis values (energy_level 2, valence 2, instrumentalness 1)'));
  });

  it('analysis_metadata alone stops the rollback', async () => {
    await sql(db.url, `UPDATE tracks SET analysis_metadata = '{"bpm": 120}' WHERE id = 2`);
    const result = await rollback();
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.include(analysisAbort('1 track(s) with analysis values (analysis_metadata 1)'));
  });

  it('analysis_history alone stops the rollback; --allow-data-loss lets it go ahead, saying so', async () => {
    await sql(db.url, `INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results) VALUES (1, 'audio', 'v1', '{}'), (2, 'audio', 'v1', '{}')`);
    const stopped = await rollback();
    expect(stopped.code, stopped.stderr).to.equal(1);
    expect(stopped.stderr).to.include(analysisAbort('2 analysis_history row(s)'));
    const allowed = await runCli(['db', 'rollback', '--allow-data-loss', '--no-backup'], { env });
    expect(allowed.code, allowed.stderr).to.equal(0);
    expect(allowed.stderr).to.include(`analysis data: reverting ${ANALYSIS_FIELDS} drops 2 analysis_history row(s) (--allow-data-loss: going ahead)`);
    expect(allowed.stderr).to.include(`rolled back to ${BASELINE}`);
  });

  it('a half-applied AnalysisFields (a column and the history table missing) is counted from what exists', async () => {
    await sql(db.url, 'UPDATE tracks SET danceability = 0.3 WHERE id = 1');
    await sql(db.url, 'ALTER TABLE tracks DROP COLUMN analysis_metadata');
    await sql(db.url, 'DROP TABLE analysis_history');
    const result = await rollback();
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.include(analysisAbort('1 track(s) with analysis values (danceability 1)'));
  });

  it('rollback snapshots of a job `backfill rollback` could still undo stop the rollback of the ledger; a rolled-back job\'s do not', async () => {
    await migrateToLatest(db.url, allMigrations, silentLogger);
    await sql(db.url, `INSERT INTO backfill_jobs (id, analysis_version, range_size, state) VALUES (1, 'v1', 100, 'rolled_back'), (2, 'v2', 100, 'completed')`);
    await sql(db.url, `INSERT INTO backfill_track_snapshots (job_id, track_id, previous) VALUES (1, 1, '{}'), (1, 2, '{}'), (2, 3, '{}')`);
    await sql(db.url, `INSERT INTO backfill_ranges (job_id, range_id, start_id, end_id, planned_rows, state) VALUES (2, 1, 1, 3, 3, 'done')`);
    await sql(db.url, `INSERT INTO backfill_errors (job_id, range_id, track_id, code, message) VALUES (2, 1, 2, 'bad_json', 'x')`);

    const operationsOnly = await rollback('--to', 'BackfillLedger1732500002000');
    expect(operationsOnly.code, operationsOnly.stderr).to.equal(1);
    expect(operationsOnly.stderr).to.match(
      /pre-flight {2}ABORT {2}backfill ledger: reverting [^\n]*BackfillOperations1732500003000 drops 1 rollback snapshot row\(s\) of 1 job\(s\) that `backfill rollback` could still undo — stop the fleet, then pass --drop-ledger to confirm/);

    const whole = await rollback('--to', ANALYSIS_FIELDS);
    expect(whole.code, whole.stderr).to.equal(1);
    expect(whole.stderr).to.include(
      'drops 2 backfill job(s), 0 not finished (a fleet may be working on them), 1 range(s), 1 row error(s), 1 rollback snapshot row(s) of 1 job(s)');
  });
});
