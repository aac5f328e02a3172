import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { eventually, freePort, scrape, type Sample } from '../dashboard/helpers.js';
import { DEAD_LETTER_REASONS } from '../../src/shared/metrics/jobSeries.js';
import { FleetHarness } from './fleetHarness.js';

/**
 * A job's metric series over its life, on real producer and consumer processes: a consumer started while
 * the job runs exports the job's counters at 0 on its first scrape (so increase() counts the first retry),
 * and both processes drop the finished job's series once METRICS_FINISHED_JOB_TTL has passed.
 */
describe('metric series of a job from start to after its end (real processes and services)', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  const TTL_SECONDS = 6;
  const values = (samples: Sample[], name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
  const ofJob = (samples: Sample[], job_id: string) => samples.filter((s) => s.labels.job_id === job_id);

  before(() => fleet.setUp(2000));
  after(() => fleet.tearDown());

  it('counters at 0 at the first scrape of a consumer; series gone TTL after the job ended', async () => {
    const producerUrl = `http://127.0.0.1:${await freePort()}`;
    fleet.start(['producer'], { METRICS_PORT: new URL(producerUrl).port, METRICS_FINISHED_JOB_TTL: String(TTL_SECONDS) });
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '400', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    const job_id = String(jobId);
    await fleet.waitFor(async () => ['enumerating', 'running'].includes(await fleet.jobState(jobId)), 'the producer to start the job');
    await eventually(async () => ofJob(await scrape(producerUrl), job_id).length > 0 || undefined, 'the producer to export the running job');

    const consumerUrl = `http://127.0.0.1:${await freePort()}`;
    fleet.start(['consumer'], { METRICS_PORT: new URL(consumerUrl).port, METRICS_FINISHED_JOB_TTL: String(TTL_SECONDS) });
    const first = await eventually(() => scrape(consumerUrl).catch(() => undefined), 'the consumer to serve /metrics');
    expect(values(first, 'backfill_range_retries_total', { job_id }), 'retries of the running job, at 0').to.deep.equal([0]);
    expect(values(first, 'backfill_ranges_total', { job_id, outcome: 'failed' })).to.deep.equal([0]);
    for (const reason of DEAD_LETTER_REASONS) expect(values(first, 'backfill_dead_lettered_messages_total', { reason }), reason).to.deep.equal([0]);

    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    const atEnd = await scrape(consumerUrl);
    expect(values(atEnd, 'backfill_ranges_total', { job_id, outcome: 'done' })[0], 'kept right after the end').to.equal(5);

    const endedAt = Date.now();
    await eventually(async () => (ofJob(await scrape(consumerUrl), job_id).length === 0 ? true : undefined), 'the consumer to drop the job\'s series', 30_000);
    await eventually(async () => (ofJob(await scrape(producerUrl), job_id).length === 0 ? true : undefined), 'the producer to drop the job\'s series', 30_000);
    expect(Date.now() - endedAt, 'not before the TTL').to.be.at.least(TTL_SECONDS * 1000 - 1000);
    expect(values(await scrape(consumerUrl), 'backfill_dead_lettered_messages_total', { reason: 'malformed' }), 'series without a job stay').to.deep.equal([0]);
  });
});
