import { expect } from 'chai';
import type pg from 'pg';
import { runCli } from '../helpers/cli.js';
import { eventually, freePort, scrape } from '../dashboard/helpers.js';
import { FleetHarness } from './fleetHarness.js';

/**
 * backfill_consumers_wanted, the metric KEDA scales the consumers on (deploy/k8s/consumer-autoscaling.yaml), on a
 * real producer: a running job asks for consumers, a paused one for none (its messages still wait in the queue,
 * which is why the queue's length is not the metric), a resumed one again, an operator cap for fewer, and a job
 * the throttle holds (sessions waiting for locks on `tracks`) for none. No consumer runs, so the job keeps its
 * ranges open from start to end of the test.
 */
describe('backfill_consumers_wanted on the producer (real processes and services)', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  const RANGES = 20;
  const PER_CONSUMER = 5;
  let producerUrl = '';
  let jobId = 0;

  const wanted = async (): Promise<number | undefined> => (await scrape(producerUrl).catch(() => [])).find((s) => s.name === 'backfill_consumers_wanted')?.value;
  const until = (check: (value: number) => boolean, what: string) =>
    eventually(async () => {
      const value = await wanted();
      return value !== undefined && check(value) ? value : undefined;
    }, what, 60_000);
  const cli = async (args: string[]) => {
    const result = await runCli(args, { env: fleet.env() });
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result;
  };

  before(async () => {
    await fleet.setUp(2000);
    producerUrl = `http://127.0.0.1:${await freePort()}`;
    fleet.start(['producer'], { METRICS_PORT: new URL(producerUrl).port, AUTOSCALE_RANGES_PER_CONSUMER: String(PER_CONSUMER) });
    const enqueued = await cli(['backfill', 'enqueue', '--range-size', String(2000 / RANGES), '--json']);
    jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    await fleet.waitFor(async () => (await fleet.jobState(jobId)) === 'running', 'the producer to plan the job');
  });
  after(() => fleet.tearDown());

  it('asks for ceil(open ranges / AUTOSCALE_RANGES_PER_CONSUMER) while the job runs', async () => {
    expect(await until((v) => v === RANGES / PER_CONSUMER, `${RANGES / PER_CONSUMER} consumers wanted`)).to.equal(RANGES / PER_CONSUMER);
  });

  // Each test starts from the running job's full count, so a 0 it sees is its own doing (not a sample from before).
  const full = () => until((v) => v === RANGES / PER_CONSUMER, `${RANGES / PER_CONSUMER} consumers wanted`);

  it('drops to 0 when the job is paused, and comes back when it is resumed', async () => {
    await full();
    await cli(['backfill', 'pause', String(jobId)]);
    expect(await until((v) => v === 0, 'no consumer wanted while paused')).to.equal(0);
    await cli(['backfill', 'resume', String(jobId)]);
    expect(await until((v) => v > 0, 'consumers wanted again after resume')).to.equal(RANGES / PER_CONSUMER);
  });

  it('asks for 1 under an operator cap before any consumer\'s rate is known, and the full count once it is cleared', async () => {
    await full();
    await cli(['backfill', 'throttle', String(jobId), '--max-rate', '50']);
    expect(await until((v) => v === 1, 'one consumer wanted under the cap')).to.equal(1);
    await cli(['backfill', 'throttle', String(jobId), '--clear']);
    expect(await until((v) => v === RANGES / PER_CONSUMER, 'the full count without the cap')).to.equal(RANGES / PER_CONSUMER);
  });

  it('drops to 0 while the throttle holds the job (sessions waiting for locks on tracks)', async () => {
    await full();
    const holder: pg.PoolClient = await fleet.pool.connect();
    const waiter: pg.PoolClient = await fleet.pool.connect();
    try {
      await holder.query('BEGIN');
      // EXCLUSIVE lets reads through (the producer's) and makes a writer wait: what the throttle counts.
      await holder.query('LOCK TABLE tracks IN EXCLUSIVE MODE');
      const waiting = waiter.query('UPDATE tracks SET id = id WHERE false').catch(() => undefined);
      const status = async () => (JSON.parse((await cli(['backfill', 'status', String(jobId), '--json'])).stdout) as { throttle: { rate: number | null } }).throttle;
      await fleet.waitFor(async () => (await status()).rate === 0, 'the throttle to hold the job', 60_000);
      expect(await fleet.jobState(jobId), 'held, not paused').to.equal('running');
      expect(await until((v) => v === 0, 'no consumer wanted while held')).to.equal(0);
      await holder.query('ROLLBACK');
      await waiting;
    } finally {
      // Destroyed, not returned to the pool: after a failure one may still be inside its transaction.
      holder.release(true);
      waiter.release(true);
    }
  });
});
