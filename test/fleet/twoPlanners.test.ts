import { expect } from 'chai';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { slowRanges } from './faults.js';
import { deadLetteredCount, expectRangesCoverJob } from './planCoverage.js';
import { declareTopology } from '../../src/shared/amqp/topology.js';
import { createJob } from '../../src/shared/ledger/jobs.js';
import { RangePublisher } from '../../src/shared/amqp/rangePublisher.js';
import { runBackfillRequest } from '../../src/producer/runRequest.js';
import { createLogger } from '../../src/shared/logger.js';

/**
 * Two planners on one job at once — what a request re-added after a Redis flush, or handed out again after
 * a lost BullMQ lock, amounts to. They adapt the range size in opposite directions, so two in-memory cursors
 * would cut different ranges; the ledger must end with one contiguous plan and nothing it did not accept
 * may reach the consumers.
 */
describe('planning: two planners on one job', function () {
  this.timeout(150_000);
  const fleet = new FleetHarness();
  let connection: ChannelModel;
  let channel: ConfirmChannel;

  before(async () => {
    await fleet.setUp(3000);
    await slowRanges(fleet.pool, 0.1);
    connection = await amqp.connect(TEST_RABBITMQ_URL);
    channel = await connection.createConfirmChannel();
    await declareTopology(channel, fleet.names);
  });
  after(async () => {
    await connection.close();
    await fleet.tearDown();
  });

  it('one plan in the ledger: ranges contiguous and covering, none dead-lettered, every track converted', async () => {
    const job = await createJob(fleet.pool, { analysisVersion: '2024.1', rangeSize: 20, requestedBy: 'test' });
    const consumers = [fleet.start(['consumer', '--prefetch', '1']), fleet.start(['consumer', '--prefetch', '1'])];
    const base = { db: fleet.pool, publisher: new RangePublisher(channel, fleet.pool, fleet.names), logger: createLogger('test'), planningWindow: 20 };
    const first = runBackfillRequest({ ...base, sizing: { targetMs: 100, min: 5, max: 20 } }, job.id);
    await fleet.waitFor(async () => {
      const { rows } = await fleet.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1`, [job.id]);
      return (rows[0]?.n ?? 0) >= 50;
    }, 'the first planner\'s first chunk');
    const second = runBackfillRequest({ ...base, sizing: { targetMs: 600_000, min: 5, max: 80 } }, job.id);
    await Promise.all([first, second]);

    const end = await fleet.waitForJobEnd(job.id, 90_000)
      .catch((err: unknown) => { throw new Error(`${String(err)}\n${consumers.map((c) => c.output().slice(-2000)).join('\n---\n')}`); });
    expect(end).to.equal('completed');
    await expectRangesCoverJob(fleet.pool, job.id);
    expect(await deadLetteredCount(fleet.names), 'ranges published that the ledger did not accept').to.equal(0);
    await expectDatabaseMatchesConversion(fleet.pool, job.id);
    const { rows } = await fleet.pool.query<{ total: number; n: number }>(
      `SELECT ranges_total::int AS total, (SELECT count(*)::int FROM backfill_ranges WHERE job_id = $1) AS n FROM backfill_jobs WHERE id = $1`, [job.id]);
    expect(rows[0]?.total, 'ranges_total is the ledger\'s count').to.equal(rows[0]?.n);
  });
});
