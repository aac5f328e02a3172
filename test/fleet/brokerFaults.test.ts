import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { OwnRabbit } from '../helpers/ownRabbit.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates, slowRanges } from './faults.js';

/** The fleet recovers by itself from a broker that closes every connection and from a broker restart. */
describe('backfill fleet: RabbitMQ connections closed and the broker restarted', function () {
  this.timeout(300_000);
  const rabbit = new OwnRabbit();
  const fleet = new FleetHarness();

  before(async () => {
    await rabbit.start();
    fleet.extraEnv = { RABBITMQ_URL: rabbit.url };
  });
  after(async () => {
    await fleet.tearDown().catch(() => undefined);
    await rabbit.stop();
  });

  it('reconnects, re-declares the topology, finishes the job exactly once', async () => {
    await fleet.setUp(12_000);
    await slowRanges(fleet.pool, 0.2);
    const producer = fleet.start(['producer']);
    const consumers = [fleet.start(['consumer']), fleet.start(['consumer'])];
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '250', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    const done = async () => (await rangeStates(fleet.pool, jobId)).done ?? 0;

    await fleet.waitFor(async () => (await done()) >= 5, 'some ranges done');
    await rabbit.closeAllConnections();
    const afterClose = await done();
    await fleet.waitFor(async () => (await done()) >= afterClose + 5, 'progress after the connections were closed');

    await rabbit.restart();
    const afterRestart = await done();
    await fleet.waitFor(async () => (await done()) >= afterRestart + 3, 'progress after the broker restart', 90_000);

    expect(await fleet.waitForJobEnd(jobId, 180_000)).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, jobId);
    for (const child of [producer, ...consumers]) expect(child.exitCode, child.output().slice(-2000)).to.equal(null);
  });
});
