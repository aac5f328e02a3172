import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { encodeRangeMessage } from '../../src/shared/rangeMessage.js';
import { FleetHarness } from '../fleet/fleetHarness.js';
import { dashboardUrlOf } from './helpers.js';

interface LetterJson { jobId: number | null; rangeId: number | null; attempt: number | null; reason: string; deadLetteredAt: string | null; malformed: string | null }
interface PageJson { depth: number | null; letters: LetterJson[]; readAt: string }

/**
 * The dashboard's dead-letter panel against a real consumer, broker and dashboard process: a malformed message
 * the consumer dead-lettered is listed with its reason; requeue and purge need the operator token and answer
 * with the reports of `backfill dlq requeue|purge --yes --json`.
 */
describe('dashboard API: the dead-letter queue (list, requeue, purge)', function () {
  this.timeout(120_000);
  const fleet = new FleetHarness();
  const token = randomBytes(24).toString('hex');
  let connection: ChannelModel;
  let channel: Channel;
  let dashboardUrl: string;
  const depth = async () => (await channel.checkQueue(fleet.names.deadQueue)).messageCount;
  const post = (path: string, body: unknown, auth?: string) => fetch(`${dashboardUrl}${path}`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: `Bearer ${auth}` } : {}) } });

  before(async () => {
    await fleet.setUp(100);
    connection = await amqp.connect(TEST_RABBITMQ_URL);
    channel = await connection.createChannel();
    // The consumer declares the queues, then dead-letters what is not a range message.
    const consumer = fleet.start(['consumer']);
    await fleet.waitFor(async () => {
      // A passive check of a missing queue closes the channel it ran on: a throwaway one per look.
      const probe = await connection.createChannel();
      probe.on('error', () => undefined);
      const declared = await probe.checkQueue(fleet.names.deadQueue).then(() => true, () => false);
      if (declared) await probe.close();
      return declared;
    }, 'the consumer to declare its queues');
    channel.sendToQueue(fleet.names.workQueue, Buffer.from('not json at all'), { persistent: true });
    await fleet.waitFor(async () => (await depth()) === 1, 'the consumer dead-letters the malformed message');
    consumer.kill('SIGTERM');
    await consumer.exited;
    dashboardUrl = await dashboardUrlOf(fleet.start(['dashboard', '--port', '0'], { DASHBOARD_TOKEN: token }));
  });

  after(async () => {
    await connection?.close();
    await fleet.tearDown();
  });

  it('lists the dead letters with their reason, leaves them in the queue, and reads the queue at most every few seconds', async () => {
    const res = await fetch(`${dashboardUrl}/api/dead-letters`);
    expect(res.status).to.equal(200);
    const page = await res.json() as PageJson;
    expect(page.depth).to.equal(1);
    expect(page.letters).to.have.length(1);
    expect(page.letters[0]).to.include({ jobId: null, rangeId: null });
    expect(page.letters[0]?.reason).to.match(/^malformed: not JSON/);
    expect(await depth(), 'nothing was taken off the queue').to.equal(1);
    const again = await (await fetch(`${dashboardUrl}/api/dead-letters`)).json() as PageJson;
    expect(again.readAt, 'the second ask within the refresh period is the cached read').to.equal(page.readAt);
    const ofJob = await (await fetch(`${dashboardUrl}/api/dead-letters?job=424242`)).json() as PageJson;
    expect(ofJob).to.deep.include({ depth: 1, letters: [] });
    expect((await fetch(`${dashboardUrl}/api/dead-letters?job=abc`)).status).to.equal(400);
  });

  it('refuses requeue and purge without the right token and leaves the queue as it was', async () => {
    for (const path of ['/api/dead-letters/requeue', '/api/dead-letters/purge']) {
      expect((await post(path, {})).status, `${path} without a token`).to.equal(401);
      expect((await post(path, {}, 'not-the-token')).status, `${path} with a wrong token`).to.equal(401);
    }
    expect((await fetch(`${dashboardUrl}/api/dead-letters/purge`)).status, 'GET of an action').to.equal(405);
    expect(await depth()).to.equal(1);
  });

  it('requeue with the token drops the malformed letter and answers with the report of `dlq requeue --yes --json`', async () => {
    const res = await post('/api/dead-letters/requeue', {}, token);
    expect(res.status).to.equal(200);
    const report = await res.json() as Record<string, unknown> & { droppedBy: Record<string, number> };
    expect(report).to.deep.include({ applied: true, examined: 1, republished: 0, rangesRepublished: 0, keptFailed: 0, keptFailedJobs: [], dropped: 1 });
    expect(report.droppedBy).to.include({ malformed: 1 });
    expect(report.summary).to.equal('1 dead letter(s) checked: republished 0 (0 open range(s)), dropped 1');
    expect(await depth()).to.equal(0);
    const page = await (await fetch(`${dashboardUrl}/api/dead-letters`)).json() as PageJson;
    expect(page, 'an action drops the cached listing').to.deep.include({ depth: 0, letters: [] });
  });

  it('purge with the token empties the queue (of one job, then all) and answers {purged, applied}', async () => {
    for (const jobId of [7, 8, 8]) {
      channel.sendToQueue(fleet.names.deadQueue, encodeRangeMessage({ v: 1, jobId, rangeId: 1, startId: 1, endId: 2 }),
        { persistent: true, headers: { 'x-attempt': 3, 'x-reason': 'test reason' } });
    }
    await fleet.waitFor(async () => (await depth()) === 3, 'three dead letters');
    expect((await post('/api/dead-letters/purge', { job: 'eight' }, token)).status).to.equal(400);
    const ofJob = await post('/api/dead-letters/purge', { job: 8 }, token);
    expect(await ofJob.json()).to.deep.equal({ purged: 2, applied: true, summary: 'purged 2 dead letter(s)' });
    expect(await depth()).to.equal(1);
    const all = await post('/api/dead-letters/purge', {}, token);
    expect(all.status).to.equal(200);
    expect(await all.json()).to.deep.include({ purged: 1, applied: true });
    expect(await depth()).to.equal(0);
  });
});
