import { expect } from 'chai';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { FleetHarness } from './fleetHarness.js';
import { declareTopology } from '../../src/shared/amqp/topology.js';
import { createJob } from '../../src/shared/ledger/jobs.js';
import { insertRanges, markPublished } from '../../src/shared/ledger/ranges.js';
import { RangePublisher } from '../../src/shared/amqp/rangePublisher.js';
import { runBackfillRequest } from '../../src/producer/runRequest.js';
import { createLogger } from '../../src/shared/logger.js';

/** A producer that died mid-request is re-run: it publishes exactly the ranges not yet published. */
describe('producer: rerun of a request after a crash', function () {
  this.timeout(60_000);
  const fleet = new FleetHarness();
  let connection: ChannelModel;
  let channel: ConfirmChannel;

  before(async () => {
    await fleet.setUp(10_000);
    connection = await amqp.connect(TEST_RABBITMQ_URL);
    channel = await connection.createConfirmChannel();
    await declareTopology(channel, fleet.names);
  });
  after(async () => {
    await connection.close();
    await fleet.tearDown();
  });

  async function drainRangeIds(): Promise<number[]> {
    const ids: number[] = [];
    for (;;) {
      const message = await channel.get(fleet.names.workQueue, { noAck: true });
      if (!message) return ids.sort((a, b) => a - b);
      ids.push((JSON.parse(message.content.toString()) as { rangeId: number }).rangeId);
    }
  }

  it('plans the same ranges as an uninterrupted run and publishes only the unpublished ones', async () => {
    const deps = { db: fleet.pool, publisher: new RangePublisher(channel, fleet.pool, fleet.names), logger: createLogger('test'),
      sizing: { targetMs: 2000, min: 100, max: 10_000 }, planningWindow: 100 };
    // The reference: an uninterrupted run of the same request on a second job.
    const reference = await createJob(fleet.pool, { analysisVersion: '2024.1', rangeSize: 500, requestedBy: 'test' });
    await runBackfillRequest(deps, reference.id);
    const allRanges = await drainRangeIds();
    expect(allRanges.length).to.equal(20);

    // The crashed run: it had planned ranges 1-8, got confirms for 1-5, then died; state left `enumerating`.
    const job = await createJob(fleet.pool, { analysisVersion: '2024.1', rangeSize: 500, requestedBy: 'test' });
    const { rows: planned } = await fleet.pool.query<{ range_id: number; start_id: number; end_id: number; planned_rows: number }>(
      `SELECT range_id::int, start_id::int, end_id::int, planned_rows::int FROM backfill_ranges WHERE job_id = $1 AND range_id <= 8 ORDER BY range_id`, [reference.id]);
    await insertRanges(fleet.pool, job.id, planned.map((r) => ({ rangeId: r.range_id, startId: r.start_id, endId: r.end_id, plannedRows: r.planned_rows })));
    await markPublished(fleet.pool, job.id, [1, 2, 3, 4, 5]);
    await fleet.pool.query(`UPDATE backfill_jobs SET state = 'enumerating' WHERE id = $1`, [job.id]);

    await runBackfillRequest(deps, job.id);
    expect(await drainRangeIds()).to.deep.equal(allRanges.filter((id) => id > 5));
    const compare = await fleet.pool.query(
      `SELECT count(*)::int AS n FROM backfill_ranges a FULL JOIN backfill_ranges b ON a.range_id = b.range_id AND b.job_id = $2
        WHERE a.job_id = $1 AND (b.range_id IS NULL OR a.start_id <> b.start_id OR a.end_id <> b.end_id OR a.planned_rows <> b.planned_rows)`,
      [job.id, reference.id]);
    expect(compare.rows[0].n, 'same plan as the uninterrupted run').to.equal(0);
    const states = await fleet.pool.query(`SELECT state, count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 GROUP BY state`, [job.id]);
    expect(states.rows).to.deep.equal([{ state: 'published', n: 20 }]);
    expect(await fleet.jobState(job.id)).to.equal('running');
  });
});
