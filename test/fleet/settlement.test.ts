import { expect } from 'chai';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { OwnRabbit } from '../helpers/ownRabbit.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { TcpProxy } from '../helpers/tcpProxy.js';
import { pause } from '../helpers/waitFor.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates, sleepingConsumerBackend } from './faults.js';
import { failRangeWrites, sleepBeforeMarkFailed } from './deliveryFaults.js';

async function enqueue(fleet: FleetHarness): Promise<number> {
  const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
  expect(enqueued.code, enqueued.stderr).to.equal(0);
  return (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
}

/**
 * Every delivery is settled — acked, given back or dead-lettered — even when a step of the failure path
 * fails: a consumer with prefetch 1 whose delivery is never settled takes nothing more, while its heartbeat
 * says it is alive. Each step is failed with a real service.
 */
describe('backfill fleet: a failure path that fails', function () {
  this.timeout(180_000);

  describe('PostgreSQL lost while the range is marked failed on its last attempt', () => {
    const fleet = new FleetHarness();
    fleet.extraEnv = { BACKFILL_MAX_ATTEMPTS: '2', BACKFILL_RETRY_BASE_MS: '100' };
    const proxy = new TcpProxy('127.0.0.1', 5432);
    after(async () => {
      await proxy.stop();
      await fleet.tearDown();
    });

    it('gives the message back; it comes back, the range ends failed and dead-lettered, the job finishes', async () => {
      await fleet.setUp(1500);
      await proxy.start();
      await failRangeWrites(fleet.pool, 700, 100);
      await sleepBeforeMarkFailed(fleet.pool, 30);
      fleet.start(['producer']);
      const consumer = fleet.start(['consumer'], { DATABASE_URL: proxy.urlFor(fleet.db.url) });
      const jobId = await enqueue(fleet);
      await fleet.waitFor(async () => (await sleepingConsumerBackend(fleet.pool)) !== undefined, 'markRangeFailed on the last attempt');
      // The consumer's database goes away mid-statement: its markRangeFailed fails and nothing of it commits.
      proxy.cut();
      await fleet.pool.query('SELECT pg_terminate_backend($1)', [await sleepingConsumerBackend(fleet.pool)]);
      // The outage itself: the database stays unreachable for the consumer for a second (the point, not a wait).
      await pause(1000);
      proxy.restore();
      const state = await fleet.waitForJobEnd(jobId, 60_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${consumer.output().slice(-3000)}`);
      });
      expect(state).to.equal('failed');
      expect(await rangeStates(fleet.pool, jobId)).to.deep.equal({ done: 2, failed: 1 });
      const { rows } = await fleet.pool.query<{ last_error: string }>(
        `SELECT last_error FROM backfill_ranges WHERE job_id = $1 AND state = 'failed'`, [jobId]);
      expect(rows[0]?.last_error).to.match(/injected failure|attempt/);
      const connection = await amqp.connect(TEST_RABBITMQ_URL);
      try {
        const channel = await connection.createChannel();
        expect((await channel.checkQueue(fleet.names.deadQueue)).messageCount, 'the message came back and was dead-lettered').to.equal(1);
      } finally {
        await connection.close();
      }
      expect(consumer.exitCode).to.equal(null);
    });
  });

  describe('the retry queue refusing the copy of a failed range', () => {
    const rabbit = new OwnRabbit();
    const fleet = new FleetHarness();
    fleet.extraEnv = { BACKFILL_MAX_ATTEMPTS: '5', BACKFILL_RETRY_BASE_MS: '100' };
    before(async () => {
      await rabbit.start();
      fleet.extraEnv = { ...fleet.extraEnv, RABBITMQ_URL: rabbit.url };
    });
    after(async () => {
      await fleet.tearDown().catch(() => undefined);
      await rabbit.stop();
    });

    it('gives the message back; it comes back and the job completes exactly once', async () => {
      await fleet.setUp(1500);
      // Every publish to a retry queue is refused (nacked) by the broker: the retry copy is never confirmed.
      await rabbit.setPolicy('refuse-retries', `^${fleet.namespace.replace(/-/g, '\\-')}\\.backfill\\.delay\\.`,
        { 'max-length': 0, overflow: 'reject-publish' });
      await failRangeWrites(fleet.pool, 700, 2);
      fleet.start(['producer']);
      const consumer = fleet.start(['consumer']);
      const jobId = await enqueue(fleet);
      const state = await fleet.waitForJobEnd(jobId, 60_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${consumer.output().slice(-3000)}`);
      });
      expect(state).to.equal('completed');
      expect(consumer.output()).to.match(/retry/);
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
    });
  });
});
