import { expect } from 'chai';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';

async function enqueue(fleet: FleetHarness): Promise<number> {
  const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '250', '--json'], { env: fleet.env() });
  expect(enqueued.code, enqueued.stderr).to.equal(0);
  return (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
}

/** Planning finished and every range confirmed by the broker: from here on the messages are the only copies. */
async function allPublished(fleet: FleetHarness, jobId: number): Promise<boolean> {
  const { rows } = await fleet.pool.query<{ ready: boolean }>(
    `SELECT j.enumeration_complete AND NOT EXISTS (SELECT 1 FROM backfill_ranges r WHERE r.job_id = j.id AND r.state = 'pending') AS ready
       FROM backfill_jobs j WHERE j.id = $1`, [jobId]);
  return rows[0]?.ready ?? false;
}

/** The broker loses every message of the namespace, as a node restarted without its data would. */
async function loseAllMessages(fleet: FleetHarness): Promise<void> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    await channel.purgeQueue(fleet.names.workQueue);
  } finally {
    await connection.close();
  }
}

describe('resume-lost finds lost messages per job, without slack', function () {
  this.timeout(240_000);

  describe('a broker that lost two jobs\' messages', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('the producer\'s start-up run republishes both jobs and both complete', async () => {
      await fleet.setUp(2000);
      const producer = fleet.start(['producer']);
      const first = await enqueue(fleet);
      const second = await enqueue(fleet);
      await fleet.waitFor(async () => (await allPublished(fleet, first)) && (await allPublished(fleet, second)), 'both jobs published');
      producer.kill('SIGTERM');
      await producer.exited;
      await loseAllMessages(fleet);

      fleet.start(['producer']);
      fleet.start(['consumer']);
      expect(await fleet.waitForJobEnd(first, 60_000)).to.equal('completed');
      expect(await fleet.waitForJobEnd(second, 60_000)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, first);
    });
  });

  describe('one lost range and more live consumers than lost ranges', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('republishes the range and the job completes', async () => {
      await fleet.setUp(250);
      const producer = fleet.start(['producer']);
      const jobId = await enqueue(fleet);
      await fleet.waitFor(() => allPublished(fleet, jobId), 'the job published');
      producer.kill('SIGTERM');
      await producer.exited;
      await loseAllMessages(fleet);
      for (let i = 0; i < 3; i++) fleet.start(['consumer']);
      const { rows } = await fleet.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state = 'published'`, [jobId]);
      expect(rows[0]?.n, 'one open range').to.equal(1);
      await fleet.waitFor(async () => {
        const status = JSON.parse((await runCli(['backfill', 'status', String(jobId), '--json'], { env: fleet.env() })).stdout) as { consumers: { live: number } };
        return status.consumers.live === 3;
      }, 'three live consumers');

      const resumed = await runCli(['backfill', 'resume-lost', String(jobId), '--json'], { env: fleet.env() });
      expect(resumed.code, resumed.stderr).to.equal(0);
      expect(JSON.parse(resumed.stdout)).to.include({ openRanges: 1, republished: 1 });
      expect(await fleet.waitForJobEnd(jobId, 60_000)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
    });
  });
});
