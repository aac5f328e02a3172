import { expect } from 'chai';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { encodeRangeMessage, parseRangeMessage } from '../../src/shared/rangeMessage.js';
import { FleetHarness } from './fleetHarness.js';

interface RangeRow { rangeId: number; startId: number; endId: number }
interface LetterJson { jobId: number | null; rangeId: number | null; attempt: number | null; reason: string; malformed: string | null }

/**
 * The dead-letter queue as an operator works it: two malformed messages dead-lettered by a real consumer, and
 * dead letters of an open, a done and a failed range of a job; list, requeue (checked against the ledger), purge.
 */
describe('backfill dlq list | requeue | purge', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  let connection: ChannelModel;
  let channel: Channel;
  let jobId = 0;
  let open: RangeRow;
  let done: RangeRow;
  let failed: RangeRow;
  const depth = async (queue: string) => (await channel.checkQueue(queue)).messageCount;
  const cli = (args: string[]) => runCli(['backfill', 'dlq', ...args], { env: fleet.env() });

  before(async () => {
    await fleet.setUp(1000);
    connection = await amqp.connect(TEST_RABBITMQ_URL);
    channel = await connection.createChannel();
    const producer = fleet.start(['producer']);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '250', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    await fleet.waitFor(async () => {
      const { rows } = await fleet.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state = 'published'`, [jobId]);
      return (rows[0]?.n ?? 0) >= 3;
    }, 'three ranges published');
    producer.kill('SIGTERM');
    await producer.exited;
    // The ranges' own messages go: the consumer started below must see only the malformed ones.
    await channel.purgeQueue(fleet.names.workQueue);
    channel.sendToQueue(fleet.names.workQueue, Buffer.from('not json at all'), { persistent: true });
    channel.sendToQueue(fleet.names.workQueue, Buffer.from(JSON.stringify({ v: 1, jobId, rangeId: 1, startId: 1, endId: 2, extra: true })), { persistent: true });
    const consumer = fleet.start(['consumer']);
    await fleet.waitFor(async () => (await depth(fleet.names.deadQueue)) === 2, 'the consumer dead-letters both malformed messages');
    consumer.kill('SIGTERM');
    await consumer.exited;

    const { rows } = await fleet.pool.query<RangeRow>(
      `SELECT range_id::float8 AS "rangeId", start_id::float8 AS "startId", end_id::float8 AS "endId"
         FROM backfill_ranges WHERE job_id = $1 AND state = 'published' ORDER BY range_id LIMIT 3`, [jobId]);
    [open, done, failed] = rows as [RangeRow, RangeRow, RangeRow];
    // The open range used its attempts in the ledger: requeue must give it fresh ones.
    await fleet.pool.query(`UPDATE backfill_ranges SET attempts = 3 WHERE job_id = $1 AND range_id = $2`, [jobId, open.rangeId]);
    await fleet.pool.query(`UPDATE backfill_ranges SET state = 'done', finished_at = now() WHERE job_id = $1 AND range_id = $2`, [jobId, done.rangeId]);
    await fleet.pool.query(`UPDATE backfill_ranges SET state = 'failed', attempts = 3, last_error = 'test failure', finished_at = now() WHERE job_id = $1 AND range_id = $2`, [jobId, failed.rangeId]);
    for (const range of [open, done, failed]) {
      channel.sendToQueue(fleet.names.deadQueue, encodeRangeMessage({ v: 1, jobId, ...range }), {
        persistent: true, headers: { 'x-attempt': 3, 'x-reason': `test reason of range ${range.rangeId}`, 'x-dead-lettered-at': '2026-01-01T00:00:00.000Z' } });
    }
    await fleet.waitFor(async () => (await depth(fleet.names.deadQueue)) === 5, 'five dead letters');
  });
  after(async () => {
    await connection?.close();
    await fleet.tearDown();
  });

  it('list shows every dead letter with its reason and leaves the queue as it was', async () => {
    const listed = await cli(['list', '--json']);
    expect(listed.code, listed.stderr).to.equal(0);
    const letters = JSON.parse(listed.stdout) as LetterJson[];
    expect(letters).to.have.length(5);
    const malformed = letters.filter((l) => l.malformed !== null);
    expect(malformed).to.have.length(2);
    expect(malformed.map((l) => l.reason)).to.satisfy((reasons: string[]) => reasons.every((r) => /^malformed: /.test(r)));
    expect(malformed.map((l) => l.reason).join('\n')).to.match(/not JSON/).and.to.match(/extra/);
    expect(letters.filter((l) => l.jobId === jobId).map((l) => [l.rangeId, l.attempt, l.reason])).to.deep.equal(
      [open, done, failed].map((r) => [r.rangeId, 3, `test reason of range ${r.rangeId}`]));
    expect(await depth(fleet.names.deadQueue), 'nothing was taken off the queue').to.equal(5);

    const text = await cli(['list']);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout.split('\n')[0]).to.match(/^#\s+JOB\s+RANGE\s+IDS\s+ATTEMPT\s+DEAD-LETTERED AT\s+REASON$/);
    expect(text.stdout).to.include('malformed: not JSON');
    expect(text.stderr).to.include('5 message(s) in');
    const limited = JSON.parse((await cli(['list', '--job', String(jobId), '--limit', '2', '--json'])).stdout) as LetterJson[];
    expect(limited.map((l) => l.rangeId)).to.deep.equal([open.rangeId, done.rangeId]);
    expect(await depth(fleet.names.deadQueue)).to.equal(5);
  });

  it('invalid filter values are usage errors', async () => {
    for (const args of [['list', '--job', 'abc'], ['list', '--limit', '0'], ['requeue', '--job', '-1'], ['purge', '--job', '1.5']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).to.equal(64);
    }
  });

  it('requeue without --yes previews (exit 0) and changes nothing', async () => {
    const preview = await cli(['requeue', '--json']);
    expect(preview.code, preview.stderr).to.equal(0);
    expect(JSON.parse(preview.stdout)).to.deep.include({ applied: false, examined: 5, republished: 1, rangesRepublished: 1, keptFailed: 1, dropped: 3 });
    expect(await depth(fleet.names.deadQueue)).to.equal(5);
    expect(await depth(fleet.names.workQueue)).to.equal(0);
  });

  it('requeue --yes republishes the open range with fresh attempts, drops the malformed and done ones, keeps the failed one', async () => {
    const requeued = await cli(['requeue', '--yes', '--json']);
    expect(requeued.code, requeued.stderr).to.equal(0);
    const report = JSON.parse(requeued.stdout) as { droppedBy: Record<string, number> };
    expect(report).to.deep.include({ applied: true, examined: 5, republished: 1, keptFailed: 1, keptFailedJobs: [jobId], dropped: 3 });
    expect(report.droppedBy).to.include({ malformed: 2, 'range-done': 1 });
    const work = await channel.get(fleet.names.workQueue, { noAck: true });
    expect(work && parseRangeMessage(work.content)).to.deep.equal({ ok: true, message: { v: 1, jobId, ...open } });
    expect(work && work.properties.headers?.['x-attempt']).to.equal(1);
    const { rows } = await fleet.pool.query<{ attempts: number }>(`SELECT attempts::int FROM backfill_ranges WHERE job_id = $1 AND range_id = $2`, [jobId, open.rangeId]);
    expect(rows[0]?.attempts).to.equal(0);
    const left = JSON.parse((await cli(['list', '--json'])).stdout) as LetterJson[];
    expect(left.map((l) => l.rangeId)).to.deep.equal([failed.rangeId]);
  });

  it('purge without --yes previews; with --yes empties the queue', async () => {
    const preview = await cli(['purge', '--job', String(jobId), '--json']);
    expect(preview.code, preview.stderr).to.equal(0);
    expect(JSON.parse(preview.stdout)).to.deep.equal({ purged: 1, applied: false });
    expect(await depth(fleet.names.deadQueue)).to.equal(1);
    const otherJob = await cli(['purge', '--job', String(jobId + 1), '--yes', '--json']);
    expect(JSON.parse(otherJob.stdout)).to.deep.equal({ purged: 0, applied: true });
    expect(await depth(fleet.names.deadQueue)).to.equal(1);
    const purged = await cli(['purge', '--yes']);
    expect(purged.code, purged.stderr).to.equal(0);
    expect(purged.stdout.trim()).to.equal('purged 1 dead letter(s)');
    expect(await depth(fleet.names.deadQueue)).to.equal(0);
  });
});
