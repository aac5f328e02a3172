import { expect } from 'chai';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { encodeRangeMessage } from '../../src/shared/rangeMessage.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates, sleepingConsumerBackend } from './faults.js';
import { hangRangeWrites } from './deliveryFaults.js';

async function enqueue(fleet: FleetHarness, rangeSize: number): Promise<number> {
  const enqueued = await runCli(['backfill', 'enqueue', '--range-size', String(rangeSize), '--json'], { env: fleet.env() });
  expect(enqueued.code, enqueued.stderr).to.equal(0);
  return (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
}

/**
 * Giving a message back is free: a held message returned by a consumer restart never spends an attempt, so
 * no number of restarts during a pause can get it dead-lettered behind the ledger's back. Attempts are counted
 * by the ledger when a range actually starts, so a range that kills its consumer still runs out of them.
 */
describe('backfill fleet: attempts are counted by the ledger, not by the broker', function () {
  this.timeout(240_000);

  describe('a paused job whose consumer restarts again and again', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('completes once resumed, with every track converted', async () => {
      await fleet.setUp(600);
      fleet.start(['producer']);
      const jobId = await enqueue(fleet, 1000);
      await fleet.waitFor(async () => ((await rangeStates(fleet.pool, jobId)).published ?? 0) === 1, 'its range published');
      const paused = await runCli(['backfill', 'pause', String(jobId)], { env: fleet.env() });
      expect(paused.code, paused.stderr).to.equal(0);
      // More restarts than the broker's old delivery limit (2 × BACKFILL_MAX_ATTEMPTS = 10): each one returns the held message.
      for (let restart = 1; restart <= 12; restart++) {
        const consumer = fleet.start(['consumer'], { LOG_LEVEL: 'info' });
        await fleet.waitFor(async () => /holding its range/.test(consumer.output()), `restart ${restart}: the consumer holding the paused range`, 30_000);
        consumer.kill('SIGKILL');
        await consumer.exited;
      }
      const resumed = await runCli(['backfill', 'resume', String(jobId)], { env: fleet.env() });
      expect(resumed.code, resumed.stderr).to.equal(0);
      fleet.start(['consumer']);
      expect(await fleet.waitForJobEnd(jobId, 60_000)).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
      const { rows } = await fleet.pool.query<{ attempts: number }>(`SELECT attempts::int FROM backfill_ranges WHERE job_id = $1`, [jobId]);
      expect(rows, 'the restarts spent no attempt').to.deep.equal([{ attempts: 1 }]);
    });
  });

  describe('a poison range that kills its consumer every time', () => {
    const fleet = new FleetHarness();
    fleet.extraEnv = { BACKFILL_MAX_ATTEMPTS: '3', RANGE_STATEMENT_TIMEOUT_MS: '300000' };
    after(() => fleet.tearDown());

    it('ends failed in the ledger with a reason instead of looping for ever; the job finishes', async () => {
      await fleet.setUp(1500);
      await hangRangeWrites(fleet.pool, 700, 300);
      fleet.start(['producer']);
      const jobId = await enqueue(fleet, 500);
      const poisonState = async () => {
        const { rows } = await fleet.pool.query<{ state: string }>(
          `SELECT state FROM backfill_ranges WHERE job_id = $1 AND 700 BETWEEN start_id AND end_id`, [jobId]);
        return rows[0]?.state;
      };
      let kills = 0;
      // Old limit of the broker: 2 × 3 returns; 12 rounds are far more than either limit.
      for (let round = 1; round <= 12 && (await poisonState()) !== 'failed'; round++) {
        const consumer = fleet.start(['consumer']);
        let backend: number | undefined;
        await fleet.waitFor(async () => (backend = await sleepingConsumerBackend(fleet.pool)) !== undefined || (await poisonState()) === 'failed',
          `round ${round}: the consumer inside the poison range, or the range failed`, 30_000);
        consumer.kill('SIGKILL');
        await consumer.exited;
        if (backend !== undefined) {
          kills++;
          await fleet.pool.query('SELECT pg_terminate_backend($1)', [backend]);
          await fleet.waitFor(async () => (await sleepingConsumerBackend(fleet.pool)) === undefined, 'the killed range\'s backend gone');
        }
      }
      expect(await poisonState()).to.equal('failed');
      expect(kills, 'each start counted: the range failed after its 3 attempts').to.equal(3);
      const { rows } = await fleet.pool.query<{ attempts: number; last_error: string }>(
        `SELECT attempts::int, last_error FROM backfill_ranges WHERE job_id = $1 AND state = 'failed'`, [jobId]);
      expect(rows[0]?.attempts).to.equal(3);
      expect(rows[0]?.last_error).to.match(/attempts/);
      const consumer = fleet.start(['consumer'], { LOG_LEVEL: 'info' });
      expect(await fleet.waitForJobEnd(jobId, 60_000)).to.equal('failed');
      expect(await rangeStates(fleet.pool, jobId)).to.deep.equal({ done: 2, failed: 1 });

      // A stray copy of the failed range (a duplicate publish) is dropped: no attempt spent, its reason kept.
      const failed = await fleet.pool.query<{ range_id: number; start_id: number; end_id: number }>(
        `SELECT range_id::int, start_id::int, end_id::int FROM backfill_ranges WHERE job_id = $1 AND state = 'failed'`, [jobId]);
      const range = failed.rows[0] as { range_id: number; start_id: number; end_id: number };
      const connection = await amqp.connect(TEST_RABBITMQ_URL);
      try {
        const channel = await connection.createConfirmChannel();
        channel.publish(fleet.names.workExchange, fleet.names.workRoutingKey,
          encodeRangeMessage({ v: 1, jobId, rangeId: range.range_id, startId: range.start_id, endId: range.end_id }), { persistent: true });
        await channel.waitForConfirms();
      } finally {
        await connection.close();
      }
      await fleet.waitFor(async () => /dropping a copy of a range that is failed/.test(consumer.output()), 'the copy dropped');
      const after = await fleet.pool.query<{ attempts: number; last_error: string }>(
        `SELECT attempts::int, last_error FROM backfill_ranges WHERE job_id = $1 AND state = 'failed'`, [jobId]);
      expect(after.rows).to.deep.equal(rows);
    });
  });
});
