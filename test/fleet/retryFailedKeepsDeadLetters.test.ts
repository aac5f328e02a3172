import { expect } from 'chai';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { encodeRangeMessage, parseRangeMessage } from '../../src/shared/rangeMessage.js';
import { FleetHarness } from './fleetHarness.js';

interface RangeRow { rangeId: number; startId: number; endId: number }

describe('retry-failed and the dead-letter queue', function () {
  this.timeout(120_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('removes only the dead letters of the ranges it republishes; every other dead letter stays', async () => {
    await fleet.setUp(1000);
    const producer = fleet.start(['producer']);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '250', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    await fleet.waitFor(async () => {
      const { rows } = await fleet.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state = 'published'`, [jobId]);
      return (rows[0]?.n ?? 0) >= 2;
    }, 'two ranges published');
    producer.kill('SIGTERM');
    await producer.exited;
    const { rows } = await fleet.pool.query<RangeRow>(
      `SELECT range_id::float8 AS "rangeId", start_id::float8 AS "startId", end_id::float8 AS "endId"
         FROM backfill_ranges WHERE job_id = $1 AND state = 'published' ORDER BY range_id LIMIT 2`, [jobId]);
    const [failed, stillPublished] = rows as [RangeRow, RangeRow];
    // One range failed for the ledger; the other was dead-lettered behind its back and is still `published`:
    // its dead letter is the only copy of it.
    await fleet.pool.query(`UPDATE backfill_ranges SET state = 'failed', attempts = 5, last_error = 'test' WHERE job_id = $1 AND range_id = $2`, [jobId, failed.rangeId]);
    const connection = await amqp.connect(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      await channel.purgeQueue(fleet.names.workQueue);
      for (const range of [failed, stillPublished]) {
        channel.sendToQueue(fleet.names.deadQueue, encodeRangeMessage({ v: 1, jobId, ...range }), { persistent: true });
      }
      channel.sendToQueue(fleet.names.deadQueue, encodeRangeMessage({ v: 1, jobId: jobId + 1000, rangeId: failed.rangeId, startId: 1, endId: 2 }), { persistent: true });
      await channel.close();

      const retried = await runCli(['backfill', 'retry-failed', String(jobId), '--json'], { env: fleet.env() });
      expect(retried.code, retried.stderr).to.equal(0);
      expect(JSON.parse(retried.stdout)).to.include({ ranges: 1, deadLettersRemoved: 1 });

      const reader = await connection.createChannel();
      const left: string[] = [];
      for (let message = await reader.get(fleet.names.deadQueue, { noAck: true }); message; message = await reader.get(fleet.names.deadQueue, { noAck: true })) {
        const parsed = parseRangeMessage(message.content);
        if (parsed.ok) left.push(`${parsed.message.jobId}:${parsed.message.rangeId}`);
      }
      expect(left.sort()).to.deep.equal([`${jobId + 1000}:${failed.rangeId}`, `${jobId}:${stillPublished.rangeId}`].sort());
    } finally {
      await connection.close();
    }
  });
});
