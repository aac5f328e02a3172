import { expect } from 'chai';
import { FleetHarness } from './fleetHarness.js';
import { Application } from './application.js';
import { cli, enqueue } from './jobCommands.js';

/**
 * A fleet converting while the application writes: the smallest chunks (the read and the write of a chunk are
 * apart more often) and two consumers, the job's bounds as enqueued, and the application's loops started
 * right after the enqueue.
 */
export async function startJobWithApplication(fleet: FleetHarness, tracks: number, prepare?: (fleet: FleetHarness) => Promise<void>): Promise<{
  jobId: number; bounds: { minId: number; maxId: number }; app: Application;
}> {
  fleet.extraEnv = { CONSUMER_CHUNK_ROWS: '100' };
  await fleet.setUp(tracks);
  await prepare?.(fleet);
  fleet.start(['producer']);
  fleet.start(['consumer']);
  fleet.start(['consumer']);
  const jobId = await enqueue(fleet);
  const { rows: [bounds] } = await fleet.pool.query<{ minId: number; maxId: number }>(
    'SELECT min_id::float8 AS "minId", max_id::float8 AS "maxId" FROM backfill_jobs WHERE id = $1', [jobId]);
  if (!bounds) throw new Error(`job ${jobId} has no bounds`);
  return { jobId, bounds, app: new Application(fleet.db.url, jobId, bounds) };
}

/**
 * The job completed with every range done, the application's writes never failed and many ran during the job;
 * with `firstAttempt`, every range done at its first attempt (none failed because of the application).
 */
export async function expectCompletedDuringWrites(fleet: FleetHarness, jobId: number, app: Application, firstAttempt = true): Promise<void> {
  expect(await fleet.waitForJobEnd(jobId, 180_000)).to.equal('completed');
  await app.stop();
  expect(app.failures.slice(0, 5).join('; '), 'the application\'s writes never failed').to.equal('');
  const { rows: [ranges] } = await fleet.pool.query<{ done: number; total: number; most: number; finished: Date }>(
    `SELECT count(*) FILTER (WHERE r.state = 'done')::int AS done, count(*)::int AS total, max(r.attempts)::int AS most,
            (SELECT finished_at FROM backfill_jobs WHERE id = $1) AS finished
       FROM backfill_ranges r WHERE r.job_id = $1`, [jobId]);
  expect(ranges?.done).to.equal(ranges?.total);
  if (firstAttempt) expect(ranges?.most, 'attempts of the most tried range').to.equal(1);
  const during = app.commitTimes.filter((t) => t < (ranges?.finished as Date).getTime()).length;
  expect(during, 'writes committed while the job ran').to.be.greaterThan(20);
}

/** Run a command a finalize report printed (`tracktion-migrate …`) and return the job it enqueued. */
export async function runPrintedEnqueue(fleet: FleetHarness, command: string): Promise<number> {
  const [program, ...args] = command.split(' ');
  expect(program).to.equal('tracktion-migrate');
  const result = await cli(fleet, args);
  expect(result.code, result.stderr).to.equal(0);
  return Number(result.stdout.trim());
}
