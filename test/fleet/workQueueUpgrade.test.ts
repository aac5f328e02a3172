import { expect } from 'chai';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { encodeRangeMessage } from '../../src/shared/rangeMessage.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates } from './faults.js';

/**
 * Upgrading a fleet whose ranges wait in the work queue of the previous release (declared with
 * x-delivery-limit, under the unversioned name): the new release deletes that queue and republishes its
 * ranges from the ledger, and the job completes exactly once.
 */
describe('backfill fleet: upgrading from the work queue with a broker delivery limit', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('drops the old queue, republishes its ranges from the ledger and completes the job', async () => {
    await fleet.setUp(2000);
    const planner = fleet.start(['producer']);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '250', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    await fleet.waitFor(async () => ((await rangeStates(fleet.pool, jobId)).published ?? 0) >= 8, 'every range published');
    planner.kill('SIGTERM');
    await planner.exited;

    // The broker as the previous release left it: the ranges' messages in the old queue, no versioned queue.
    const [legacyQueue] = fleet.names.legacyWorkQueues as [string];
    const connection = await amqp.connect(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(legacyQueue, { durable: true, arguments: {
        'x-queue-type': 'quorum', 'x-delivery-limit': 10, 'x-dead-letter-exchange': fleet.names.deadExchange } });
      await channel.bindQueue(legacyQueue, fleet.names.workExchange, fleet.names.workRoutingKey);
      await channel.deleteQueue(fleet.names.workQueue);
      expect((await channel.checkQueue(legacyQueue)).messageCount, 'the old queue got copies of the ranges').to.equal(0);
      await channel.close();
    } finally {
      await connection.close();
    }
    await copyRangesToLegacyQueue(fleet, jobId, legacyQueue);

    const producer = fleet.start(['producer'], { LOG_LEVEL: 'info' });
    await fleet.waitFor(async () => /producer started/.test(producer.output()), 'the new producer started');
    fleet.start(['consumer']);
    expect(await fleet.waitForJobEnd(jobId, 60_000)).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, jobId);
    expect(await queueExists(legacyQueue), 'the old queue is gone').to.equal(false);
  });
});

/** Publish one message per open range of the job into the old queue, as the previous release had them. */
async function copyRangesToLegacyQueue(fleet: FleetHarness, jobId: number, legacyQueue: string): Promise<void> {
  const { rows } = await fleet.pool.query<{ range_id: number; start_id: number; end_id: number }>(
    `SELECT range_id::int, start_id::int, end_id::int FROM backfill_ranges WHERE job_id = $1 AND state = 'published'`, [jobId]);
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createConfirmChannel();
    for (const r of rows) {
      channel.sendToQueue(legacyQueue, encodeRangeMessage({ v: 1, jobId, rangeId: r.range_id, startId: r.start_id, endId: r.end_id }),
        { persistent: true, contentType: 'application/json', headers: { 'x-attempt': 1 } });
    }
    await channel.waitForConfirms();
    expect((await channel.checkQueue(legacyQueue)).messageCount).to.equal(rows.length);
  } finally {
    await connection.close();
  }
}

async function queueExists(queue: string): Promise<boolean> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await channel.checkQueue(queue).then(() => true, () => false);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
