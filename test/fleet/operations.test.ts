import { expect } from 'chai';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { pause, waitFor } from '../helpers/waitFor.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { consumerSessions, rangeStates, slowRanges } from './faults.js';

async function enqueue(fleet: FleetHarness, args: string[] = []): Promise<number> {
  const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '250', '--json', ...args], { env: fleet.env() });
  expect(enqueued.code, enqueued.stderr).to.equal(0);
  return (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
}

async function cli(fleet: FleetHarness, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, { env: fleet.env() });
}

const done = async (fleet: FleetHarness, jobId: number) => (await rangeStates(fleet.pool, jobId)).done ?? 0;

/** Wait until no range is in flight and none finished since the previous look; returns the ranges done then. */
async function settled(fleet: FleetHarness, jobId: number): Promise<number> {
  let previous = -1;
  return waitFor(async () => {
    const now = await done(fleet, jobId);
    const quiet = now === previous && (await consumerSessions(fleet.pool, 'in a transaction')) === 0;
    previous = now;
    return quiet ? now : undefined;
  }, { what: `job ${jobId}'s ranges in hand to finish`, timeoutMs: 30_000, intervalMs: 500 });
}

describe('operating a running backfill', function () {
  this.timeout(240_000);

  describe('pause and resume', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('processes nothing while paused, then finishes with the same result as an uninterrupted run', async () => {
      await fleet.setUp(10_000);
      // Slow enough that the job is still running when the pause lands (the CLI takes a second to start).
      await slowRanges(fleet.pool, 0.5);
      fleet.start(['producer']);
      fleet.start(['consumer', '--prefetch', '1']);
      fleet.start(['consumer', '--prefetch', '1']);
      const jobId = await enqueue(fleet);
      await fleet.waitFor(async () => (await done(fleet, jobId)) >= 3, 'some ranges done');
      const paused = await cli(fleet, ['backfill', 'pause', String(jobId), '--reason', 'database busy']);
      expect(paused.code, paused.stderr).to.equal(0);
      expect(await fleet.jobState(jobId)).to.equal('paused');
      // Ranges in hand may still finish; once none is in flight, nothing moves.
      const atPause = await settled(fleet, jobId);
      // A window in which nothing may happen: time passing is the point here.
      await pause(3000);
      expect(await done(fleet, jobId), 'no range started while paused').to.equal(atPause);
      const status = JSON.parse((await cli(fleet, ['backfill', 'status', String(jobId), '--json'])).stdout) as { state: string; history: { toState: string; reason: string | null }[]; etaSeconds: number | null };
      expect(status.state).to.equal('paused');
      expect(status.history.map((h) => h.toState)).to.include.members(['queued', 'paused']);
      expect(status.history.find((h) => h.toState === 'paused')?.reason).to.equal('database busy');
      const resumed = await cli(fleet, ['backfill', 'resume', String(jobId)]);
      expect(resumed.code, resumed.stderr).to.equal(0);
      expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
    });
  });

  describe('cancel', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('starts nothing after, keeps what finished, and ends cancelled', async () => {
      await fleet.setUp(10_000);
      await slowRanges(fleet.pool, 0.3);
      fleet.start(['producer']);
      fleet.start(['consumer', '--prefetch', '1']);
      const jobId = await enqueue(fleet);
      await fleet.waitFor(async () => (await done(fleet, jobId)) >= 2, 'some ranges done');
      const cancelled = await cli(fleet, ['backfill', 'cancel', String(jobId)]);
      expect(cancelled.code, cancelled.stderr).to.equal(0);
      expect(await fleet.waitForJobEnd(jobId, 30_000)).to.equal('cancelled');
      const atCancel = await settled(fleet, jobId);
      // A window in which nothing may happen: time passing is the point here.
      await pause(2000);
      expect(await done(fleet, jobId), 'nothing started after the cancel').to.equal(atCancel);
      const { rows } = await fleet.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM analysis_history`);
      const kept = await fleet.pool.query<{ n: number }>(`SELECT coalesce(sum(converted), 0)::int AS n FROM backfill_ranges WHERE job_id = $1`, [jobId]);
      expect(rows[0]?.n, 'what finished is kept').to.equal(kept.rows[0]?.n).and.to.be.greaterThan(0);
    });
  });

  describe('retry-failed', () => {
    const fleet = new FleetHarness();
    fleet.extraEnv = { BACKFILL_MAX_ATTEMPTS: '2', BACKFILL_RETRY_BASE_MS: '100', RANGE_STATEMENT_TIMEOUT_MS: '1000' };
    after(() => fleet.tearDown());

    it('a range hitting its statement timeout ends failed; after the cause is gone retry-failed completes the job', async () => {
      await fleet.setUp(3000);
      await fleet.pool.query(`
        CREATE FUNCTION test_stall() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.track_id = 1500 THEN PERFORM pg_sleep(5); END IF; RETURN NEW; END $$;
        CREATE TRIGGER test_stall BEFORE INSERT ON analysis_history FOR EACH ROW EXECUTE FUNCTION test_stall();`);
      fleet.start(['producer']);
      fleet.start(['consumer']);
      const jobId = await enqueue(fleet);
      expect(await fleet.waitForJobEnd(jobId)).to.equal('failed');
      expect((await rangeStates(fleet.pool, jobId)).failed).to.equal(1);
      await fleet.pool.query('DROP TRIGGER test_stall ON analysis_history');
      const retried = await cli(fleet, ['backfill', 'retry-failed', String(jobId), '--json']);
      expect(retried.code, retried.stderr).to.equal(0);
      expect(JSON.parse(retried.stdout)).to.include({ ranges: 1, deadLettersRemoved: 1 });
      expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
    });
  });

  describe('resume-lost', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('changes nothing when nothing was lost, and completes the job after the queue is purged', async () => {
      await fleet.setUp(5000);
      await slowRanges(fleet.pool, 0.3);
      fleet.start(['producer']);
      fleet.start(['consumer', '--prefetch', '1']);
      const jobId = await enqueue(fleet);
      await fleet.waitFor(async () => (await done(fleet, jobId)) >= 1, 'a range done');
      const noop = JSON.parse((await cli(fleet, ['backfill', 'resume-lost', String(jobId), '--json'])).stdout) as { republished: number };
      expect(noop.republished).to.equal(0);
      const connection = await amqp.connect(TEST_RABBITMQ_URL);
      try {
        const channel = await connection.createChannel();
        await channel.purgeQueue(fleet.names.workQueue);
      } finally {
        await connection.close();
      }
      const resumed = JSON.parse((await cli(fleet, ['backfill', 'resume-lost', String(jobId), '--json'])).stdout) as { republished: number };
      expect(resumed.republished).to.be.greaterThan(0);
      expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
    });
  });

  describe('rollback', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    const snapshot = async () => (await fleet.pool.query(
      `SELECT id, energy_level, danceability, valence, acousticness, instrumentalness, analysis_version, analysis_metadata::text
         FROM tracks ORDER BY id`)).rows;
    const withoutDates = (rows: Record<string, unknown>[]) => rows.map((r) => ({ ...r, analysis_metadata: String(r.analysis_metadata).replace(/"migration_date": "[^"]*"/, '') }));

    it('restores the exact prior state of every touched track; re-running gives the same result', async () => {
      await fleet.setUp(3000);
      fleet.start(['producer']);
      fleet.start(['consumer']);
      const first = await enqueue(fleet, ['--analysis-version', 'v1']);
      expect(await fleet.waitForJobEnd(first)).to.equal('completed');
      const afterFirst = await snapshot();
      const second = await enqueue(fleet, ['--analysis-version', 'v2']);
      expect(await fleet.waitForJobEnd(second)).to.equal('completed');
      const afterSecond = await snapshot();

      const preview = await cli(fleet, ['backfill', 'rollback', String(second)]);
      expect(preview.code, 'a preview is exit 0').to.equal(0);
      expect(preview.stderr).to.include('add --yes');
      expect(await fleet.jobState(second), 'a preview changes nothing').to.equal('completed');
      const rolled = await cli(fleet, ['backfill', 'rollback', String(second), '--yes', '--json']);
      expect(rolled.code, rolled.stderr).to.equal(0);
      expect(await fleet.jobState(second)).to.equal('rolled_back');
      expect(await snapshot(), 'back to the state the first job left').to.deep.equal(afterFirst);

      const again = await enqueue(fleet, ['--analysis-version', 'v2']);
      expect(await fleet.waitForJobEnd(again)).to.equal('completed');
      expect(withoutDates(await snapshot())).to.deep.equal(withoutDates(afterSecond));

      await cli(fleet, ['backfill', 'rollback', String(again), '--yes']);
      await cli(fleet, ['backfill', 'rollback', String(first), '--yes']);
      const { rows } = await fleet.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM tracks WHERE analysis_version IS NOT NULL OR energy_level IS NOT NULL OR analysis_metadata IS NOT NULL`);
      expect(rows[0]?.n, 'a first backfill rolls back to NULL').to.equal(0);
    });
  });

  describe('throttle', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('lowers the rate while a session holds locks on tracks and raises it again after', async () => {
      await fleet.setUp(20_000);
      await slowRanges(fleet.pool, 0.05);
      fleet.start(['producer']);
      fleet.start(['consumer', '--prefetch', '1']);
      const jobId = await enqueue(fleet, ['--range-size', '100']);
      await fleet.waitFor(async () => (await done(fleet, jobId)) >= 3, 'the job running');
      const blocker = await fleet.pool.connect();
      const throttleOf = async () => (JSON.parse((await cli(fleet, ['backfill', 'status', String(jobId), '--json'])).stdout) as {
        throttle: { rate: number | null; reason: string | null } }).throttle;
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE tracks IN SHARE MODE');
        await fleet.waitFor(async () => /locks on tracks/.test((await throttleOf()).reason ?? ''), 'the throttle to react to lock waits', 30_000);
        const lowered = await throttleOf();
        expect(lowered.rate).to.be.a('number');
      } finally {
        await blocker.query('ROLLBACK');
        blocker.release();
      }
      await fleet.waitFor(async () => {
        const t = await throttleOf();
        return !/locks on tracks/.test(t.reason ?? '');
      }, 'the lock waits to clear from the throttle', 30_000);
      await fleet.waitFor(async () => (await throttleOf()).rate === null || ['completed'].includes(await fleet.jobState(jobId)), 'the limit lifted', 90_000);
    });
  });
});
