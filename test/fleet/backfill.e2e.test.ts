import { expect } from 'chai';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { consumerSessions } from './faults.js';
import { expectNothingChanged, writeFootprint, writeRangeWithoutGuards } from './redelivery.js';

describe('backfill fleet end to end (producer + 3 consumers, real services)', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  let jobId: number;

  before(async () => {
    await fleet.setUp(12_000);
    fleet.start(['producer']);
    for (let i = 0; i < 3; i++) fleet.start(['consumer', '--prefetch', '2']);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
  });

  after(() => fleet.tearDown());

  it('converts every convertible track exactly once, reports every bad row once, leaves skipped rows untouched', async () => {
    const totals = await expectDatabaseMatchesConversion(fleet.pool, jobId);
    expect(totals.converted).to.be.greaterThan(10_000);
    expect(totals.failed).to.be.greaterThan(100);
    expect(totals.skipped).to.be.greaterThan(100);
  });

  it('status --json agrees with the database', async () => {
    const status = await runCli(['backfill', 'status', String(jobId), '--json'], { env: fleet.env() });
    expect(status.code, status.stderr).to.equal(0);
    const s = JSON.parse(status.stdout) as { state: string; tracks: Record<string, number>; ranges: Record<string, number>; queue: Record<string, number> };
    const { rows } = await fleet.pool.query<{ history: string; errors: string; nulls: string }>(`
      SELECT (SELECT count(*) FROM analysis_history WHERE created_by = $1) AS history,
             (SELECT count(*) FROM backfill_errors WHERE job_id = $2) AS errors,
             (SELECT count(*) FROM tracks t, backfill_jobs j WHERE j.id = $2 AND t.analysis_data IS NULL AND t.id BETWEEN j.min_id AND j.max_id) AS nulls`, [`backfill:${jobId}`, jobId]);
    expect(s.state).to.equal('completed');
    expect(s.tracks.converted).to.equal(Number(rows[0]?.history));
    expect(s.tracks.failed).to.equal(Number(rows[0]?.errors));
    expect(s.tracks.skipped).to.equal(Number(rows[0]?.nulls));
    expect(s.ranges.done).to.equal(s.ranges.total);
    expect(s.queue.ready).to.equal(0);
  });

  it('lists and exports row errors with the documented fields', async () => {
    const errors = await runCli(['backfill', 'errors', String(jobId), '--json'], { env: fleet.env() });
    expect(errors.code, errors.stderr).to.equal(0);
    const list = JSON.parse(errors.stdout) as Record<string, unknown>[];
    expect(list.length).to.be.greaterThan(100);
    expect(Object.keys(list[0] ?? {})).to.deep.equal(['trackId', 'filePath', 'code', 'key', 'message']);
    const onlyJson = await runCli(['backfill', 'errors', String(jobId), '--code', 'invalid_json', '--csv'], { env: fleet.env() });
    const lines = onlyJson.stdout.trim().split('\n');
    expect(lines[0]).to.equal('track_id,file_path,code,key,message');
    expect(lines.slice(1).every((l) => l.includes(',invalid_json,'))).to.equal(true);
  });

  it('a range delivered twice changes nothing', async () => {
    const before = await writeFootprint(fleet.pool, jobId);
    const range = await fleet.pool.query<{ range_id: string; start_id: string; end_id: string }>(
      `SELECT range_id, start_id, end_id FROM backfill_ranges WHERE job_id = $1 ORDER BY range_id LIMIT 1`, [jobId]);
    const r = range.rows[0]!;
    // The range row is held here, so the consumer taking the duplicate is seen waiting for it; once released,
    // the end of that consumer's transaction is when anything it wrote would be visible.
    const holder = await fleet.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM backfill_ranges WHERE job_id = $1 AND range_id = $2 FOR UPDATE', [jobId, r.range_id]);
      await publishRaw(fleet, JSON.stringify({ v: 1, jobId, rangeId: Number(r.range_id), startId: Number(r.start_id), endId: Number(r.end_id) }));
      await fleet.waitFor(async () => (await consumerSessions(fleet.pool, 'waiting for a lock')) > 0, 'a consumer to take the duplicate');
    } finally {
      await holder.query('COMMIT');
      holder.release();
    }
    await fleet.waitFor(async () => (await consumerSessions(fleet.pool, 'in a transaction')) === 0, 'the consumer to finish the duplicate');
    expect((await queueDepth(fleet)).ready).to.equal(0);
    expectNothingChanged(before, await writeFootprint(fleet.pool, jobId));
    expect((await queueDepth(fleet)).dead).to.equal(0);
  });

  it('the same check catches a second write of a range done without the exactly-once guards', async () => {
    const client = await fleet.pool.connect();
    try {
      await client.query('BEGIN');
      const before = await writeFootprint(client, jobId);
      const inserted = await writeRangeWithoutGuards(client, jobId, 1);
      expect(inserted, 'history rows the unguarded write added').to.be.greaterThan(0);
      const after = await writeFootprint(client, jobId);
      expect(() => expectNothingChanged(before, after)).to.throw(/second delivery/);
      expect(after.jobHistoryRows, 'duplicated history rows').to.equal(before.jobHistoryRows + inserted);
      expect(after.ledger.converted, 'converted tracks counted twice').to.equal(before.ledger.converted + inserted);
    } finally {
      // The guards' removal, key included, goes with the transaction: the job's data is left as the fleet wrote it.
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  });

  it('dead-letters malformed and forged messages with a reason and writes nothing', async () => {
    const before = await fleet.pool.query(`SELECT (SELECT count(*) FROM analysis_history) h, (SELECT count(*) FROM backfill_errors) e`);
    const range = (await fleet.pool.query<{ start_id: string; end_id: string }>(
      `SELECT start_id, end_id FROM backfill_ranges WHERE job_id = $1 AND range_id = 1`, [jobId])).rows[0]!;
    const bad = [
      'not json at all',
      JSON.stringify({ v: 1, jobId, rangeId: 1, startId: -5, endId: 10 }),
      JSON.stringify({ v: 1, jobId, rangeId: 1, startId: 10, endId: 5 }),
      JSON.stringify({ v: 1, jobId, rangeId: 1, startId: Number(range.start_id), endId: Number(range.end_id), extra: "'; DROP TABLE tracks; --" }),
      JSON.stringify({ v: 1, jobId: 999_999, rangeId: 1, startId: 1, endId: 10 }),
      JSON.stringify({ v: 1, jobId, rangeId: 1, startId: Number(range.start_id), endId: Number(range.end_id) + 1000 }),
      'x'.repeat(5000),
    ];
    for (const body of bad) await publishRaw(fleet, body);
    await fleet.waitFor(async () => (await queueDepth(fleet)).dead === bad.length, 'every bad message in the dead-letter queue');
    const reasons = await deadReasons(fleet, bad.length);
    expect(reasons.join('\n')).to.match(/malformed: not JSON/);
    expect(reasons.join('\n')).to.match(/unknown_range/);
    expect(reasons.join('\n')).to.match(/range_mismatch/);
    expect(reasons.join('\n')).to.match(/oversized/);
    const after = await fleet.pool.query(`SELECT (SELECT count(*) FROM analysis_history) h, (SELECT count(*) FROM backfill_errors) e`);
    expect(after.rows[0]).to.deep.equal(before.rows[0]);
  });
});

async function publishRaw(fleet: FleetHarness, body: string): Promise<void> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish(fleet.names.workExchange, fleet.names.workRoutingKey, Buffer.from(body), { persistent: true });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

async function queueDepth(fleet: FleetHarness): Promise<{ ready: number; dead: number }> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const work = await channel.checkQueue(fleet.names.workQueue);
    const dead = await channel.checkQueue(fleet.names.deadQueue);
    return { ready: work.messageCount, dead: dead.messageCount };
  } finally {
    await connection.close();
  }
}

async function deadReasons(fleet: FleetHarness, count: number): Promise<string[]> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const reasons: string[] = [];
    for (let i = 0; i < count; i++) {
      const message = await channel.get(fleet.names.deadQueue, { noAck: false });
      if (!message) break;
      reasons.push(String(message.properties.headers?.['x-reason']));
    }
    await channel.close(); // unacked gets go back to the queue: the test only reads them
    return reasons;
  } finally {
    await connection.close();
  }
}
