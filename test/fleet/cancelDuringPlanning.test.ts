import { expect } from 'chai';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { FleetHarness } from './fleetHarness.js';
import { declareTopology } from '../../src/shared/amqp/topology.js';
import { createJob, getJob, transitionJob } from '../../src/shared/ledger/jobs.js';
import { RangePublisher } from '../../src/shared/amqp/rangePublisher.js';
import { runBackfillRequest } from '../../src/producer/runRequest.js';
import { createLogger } from '../../src/shared/logger.js';

/** A job cancelled while its planning waits for the consumers: the ranges planned so far are not the whole job. */
describe('planning: a job cancelled half way through planning', function () {
  this.timeout(60_000);
  const fleet = new FleetHarness();
  let connection: ChannelModel;
  let channel: ConfirmChannel;

  before(async () => {
    await fleet.setUp(3000);
    connection = await amqp.connect(TEST_RABBITMQ_URL);
    channel = await connection.createConfirmChannel();
    await declareTopology(channel, fleet.names);
  });
  after(async () => {
    await connection.close();
    await fleet.tearDown();
  });

  it('does not record its partial planning as complete', async () => {
    const job = await createJob(fleet.pool, { analysisVersion: '2024.1', rangeSize: 20, requestedBy: 'test' });
    // No consumer runs: planning stops after its first chunk, waiting for the window.
    const request = runBackfillRequest({ db: fleet.pool, publisher: new RangePublisher(channel, fleet.pool, fleet.names),
      logger: createLogger('test'), sizing: { targetMs: 2000, min: 20, max: 20 }, planningWindow: 10 }, job.id);
    await fleet.waitFor(async () => (await fleet.jobState(job.id)) === 'running', 'the first ranges to be published');
    expect(await transitionJob(fleet.pool, job.id, ['running'], 'cancelling', 'test')).to.equal(true);
    await request;
    const after = await getJob(fleet.pool, job.id);
    expect(after?.enumerationComplete, 'planning recorded as complete').to.equal(false);
    expect(after?.rangesTotal).to.equal(0);
  });

  it('does not record planning as complete when the job is cancelled as its last chunk is published', async () => {
    const job = await createJob(fleet.pool, { analysisVersion: '2024.1', rangeSize: 200, requestedBy: 'test' });
    // 3000 rows in ranges of 200: the whole plan is one chunk, so the cancel lands between it and the marking.
    await runBackfillRequest({ db: fleet.pool, publisher: new RangePublisher(channel, fleet.pool, fleet.names),
      logger: createLogger('test'), sizing: { targetMs: 2000, min: 200, max: 200 }, planningWindow: 100,
      onProgress: async () => {
        await transitionJob(fleet.pool, job.id, ['enumerating', 'running'], 'cancelling', 'test');
      } }, job.id);
    const after = await getJob(fleet.pool, job.id);
    expect(after?.state).to.equal('cancelling');
    expect(after?.enumerationComplete, 'planning recorded as complete').to.equal(false);
    expect(after?.rangesTotal).to.equal(0);
  });
});
