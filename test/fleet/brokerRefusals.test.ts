import { expect } from 'chai';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { OwnRabbit } from '../helpers/ownRabbit.js';
import { waitFor } from '../helpers/waitFor.js';
import { ExitCode } from '../../src/shared/exitCodes.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { failRangeWrites } from './deliveryFaults.js';
import { rangeStates } from './faults.js';

/**
 * RabbitMQ refusals that reconnecting cannot fix end a fleet process with exit 76 and advice; retry settings
 * that differ between replicas (or change on a running fleet) are no refusal at all. All on a private broker.
 */
describe('backfill fleet: broker refusals and retry settings that differ between replicas', function () {
  this.timeout(300_000);
  const rabbit = new OwnRabbit();

  before(() => rabbit.start());
  after(() => rabbit.stop());

  /** Run `body` with a channel on the private broker (as guest, on '/'). */
  async function onBroker<T>(body: (channel: amqp.Channel) => Promise<T>): Promise<T> {
    const connection = await amqp.connect(rabbit.url);
    try {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      return await body(channel);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  async function queueExists(queue: string): Promise<boolean> {
    return onBroker((channel) => channel.checkQueue(queue).then(() => true, () => false));
  }

  describe('replicas with other BACKFILL_RETRY_BASE_MS and BACKFILL_MAX_ATTEMPTS', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('declare the same topology and finish the job, retries included', async () => {
      fleet.extraEnv = { RABBITMQ_URL: rabbit.url };
      await fleet.setUp(1500);
      // The range holding track 700 fails twice: it goes through two retry queues before it succeeds.
      await failRangeWrites(fleet.pool, 700, 2);
      const producer = fleet.start(['producer'], { BACKFILL_RETRY_BASE_MS: '200' });
      await waitFor(() => queueExists(fleet.names.retryQueue(1)), { what: 'the producer to declare the topology' });
      const consumers = [
        fleet.start(['consumer'], { BACKFILL_RETRY_BASE_MS: '300' }),
        fleet.start(['consumer'], { BACKFILL_MAX_ATTEMPTS: '3', BACKFILL_RETRY_BASE_MS: '150' }),
      ];
      const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '250', '--json'], { env: fleet.env() });
      const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
      expect(await fleet.waitForJobEnd(jobId, 120_000), consumers.map((c) => c.output().slice(-1500)).join('\n---\n')).to.equal('completed');
      await expectDatabaseMatchesConversion(fleet.pool, jobId);
      expect(await rangeStates(fleet.pool, jobId)).to.deep.equal({ done: 6 });
      const { rows } = await fleet.pool.query<{ attempts: number }>(
        'SELECT max(attempts)::int AS attempts FROM backfill_ranges WHERE job_id = $1', [jobId]);
      expect(rows[0]?.attempts, `the failing range was retried:\n${consumers.map((c) => c.output().slice(-3000)).join('\n---\n')}`).to.equal(3);
      for (const child of [producer, ...consumers]) expect(child.exitCode, child.output().slice(-2000)).to.equal(null);
    });
  });

  describe('a retry queue of the earlier version with a message in it', () => {
    const fleet = new FleetHarness();
    after(() => fleet.tearDown());

    it('lets the message reach the work queue, then is deleted; empty ones go at once', async () => {
      fleet.extraEnv = { RABBITMQ_URL: rabbit.url };
      await fleet.setUp(0);
      const [oldFirst, oldSecond] = fleet.names.legacyRetryQueues as [string, string];
      const body = Buffer.from('{"v":1,"jobId":999999,"rangeId":1,"startId":1,"endId":2}');
      // The broker as the earlier version left it: retry queues with x-message-ttl, one holding a message.
      await onBroker(async (channel) => {
        await channel.assertExchange(fleet.names.workExchange, 'direct', { durable: true });
        for (const [queue, ttl] of [[oldFirst, 4000], [oldSecond, 16000]] as const) {
          await channel.assertQueue(queue, { durable: true, arguments: {
            'x-message-ttl': ttl, 'x-dead-letter-exchange': fleet.names.workExchange, 'x-dead-letter-routing-key': fleet.names.workRoutingKey } });
        }
        channel.sendToQueue(oldFirst, body, { persistent: true });
        await waitFor(async () => (await channel.checkQueue(oldFirst)).messageCount === 1, { what: 'the message in the old retry queue' });
      });

      const producer = fleet.start(['producer']);
      await waitFor(async () => !(await queueExists(oldSecond)), { what: 'the empty old retry queue to be deleted' });
      const arrived = await waitFor(() => onBroker(async (channel) => {
        const message = await channel.get(fleet.names.workQueue, { noAck: true });
        return message ? message.content.toString() : undefined;
      }), { what: 'the old retry queue\'s message in the work queue', timeoutMs: 60_000 });
      expect(arrived).to.equal(body.toString());
      await waitFor(async () => !(await queueExists(oldFirst)), { what: 'the drained old retry queue to be deleted', timeoutMs: 60_000 });
      expect(producer.exitCode, producer.output().slice(-2000)).to.equal(null);
    });
  });

  describe('refusals', () => {
    const fleet = new FleetHarness();
    before(async () => {
      fleet.extraEnv = { RABBITMQ_URL: rabbit.url };
      await fleet.setUp(0);
    });
    after(() => fleet.tearDown());

    /** Start a consumer and wait (bounded, not timed) for it to exit; its exit code and output. */
    async function consumerExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
      const consumer = fleet.start(['consumer'], env);
      const code = await Promise.race([consumer.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref())]);
      if (code === 'hung') consumer.kill('SIGKILL');
      expect(code, `the consumer did not exit:\n${consumer.output().slice(-2000)}`).not.to.equal('hung');
      return { code: code as number | null, output: consumer.output() };
    }

    it('a work queue declared with other arguments: exit 76, naming the queue and how to delete it', async () => {
      await onBroker(async (channel) => {
        await channel.assertQueue(fleet.names.workQueue, { durable: true }); // classic, not quorum
      });
      try {
        const { code, output } = await consumerExit({});
        expect(code, output).to.equal(ExitCode.brokerRefused);
        expect(output, output).to.contain(`queue ${fleet.names.workQueue}`).and.contain('exists with other arguments (PRECONDITION_FAILED - inequivalent arg')
          .and.contain(`rabbitmqadmin delete queue name=${fleet.names.workQueue}`);
      } finally {
        await onBroker((channel) => channel.deleteQueue(fleet.names.workQueue));
      }
    });

    it('the same refusal on a reconnect, after the fleet ran: exit 76', async () => {
      const consumer = fleet.start(['consumer'], { LOG_LEVEL: 'info' });
      await waitFor(() => /consumer started/.test(consumer.output()), { what: 'the consumer to start' });
      await onBroker(async (channel) => {
        await channel.deleteQueue(fleet.names.workQueue);
        await channel.assertQueue(fleet.names.workQueue, { durable: true, arguments: { 'x-max-length': 5 } });
      });
      try {
        await rabbit.closeAllConnections();
        const code = await Promise.race([consumer.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref())]);
        if (code === 'hung') consumer.kill('SIGKILL');
        expect(code, consumer.output().slice(-2000)).to.equal(ExitCode.brokerRefused);
        expect(consumer.output()).to.contain(`queue ${fleet.names.workQueue}`).and.contain('exists with other arguments');
      } finally {
        await onBroker((channel) => channel.deleteQueue(fleet.names.workQueue));
      }
    });

    it('a user without permissions on the vhost, or without configure permission, or a wrong password: exit 76, never the password', async () => {
      const user = `noperm${process.pid}`;
      await rabbit.rabbitmqctl(['add_user', user, 'pw-not-to-print']);
      const url = rabbit.url.replace('guest:guest', `${user}:pw-not-to-print`);

      let exit = await consumerExit({ RABBITMQ_URL: url });
      expect(exit.code, exit.output).to.equal(ExitCode.brokerRefused);
      expect(exit.output).to.contain(`vhost '/' for user '${user}'`).and.contain('set_permissions').and.not.contain('pw-not-to-print');

      await rabbit.rabbitmqctl(['set_permissions', '-p', '/', user, '^$', '.*', '.*']);
      exit = await consumerExit({ RABBITMQ_URL: url });
      expect(exit.code, exit.output).to.equal(ExitCode.brokerRefused);
      expect(exit.output).to.contain(`user '${user}' may not use`).and.contain('ACCESS_REFUSED').and.not.contain('pw-not-to-print');

      exit = await consumerExit({ RABBITMQ_URL: rabbit.url.replace('guest:guest', 'guest:wrong-pw-not-to-print') });
      expect(exit.code, exit.output).to.equal(ExitCode.brokerRefused);
      expect(exit.output).to.contain("login of user 'guest'").and.not.contain('wrong-pw-not-to-print');
    });

    it('a vhost that does not exist: exit 76 for the consumer, the producer, the dashboard and a CLI command', async () => {
      const url = `${rabbit.url}/no-such-vhost`;
      const { code, output } = await consumerExit({ RABBITMQ_URL: url });
      expect(code, output).to.equal(ExitCode.brokerRefused);
      expect(output).to.contain("vhost 'no-such-vhost'").and.contain('rabbitmqctl add_vhost no-such-vhost');

      const producer = fleet.start(['producer'], { RABBITMQ_URL: url });
      expect(await producer.exited, producer.output()).to.equal(ExitCode.brokerRefused);
      const dashboard = fleet.start(['dashboard', '--port', '0'], { RABBITMQ_URL: url });
      expect(await dashboard.exited, dashboard.output()).to.equal(ExitCode.brokerRefused);
      expect(dashboard.output()).to.contain("vhost 'no-such-vhost'");
      const cli = await runCli(['backfill', 'dlq', 'list'], { env: fleet.env({ RABBITMQ_URL: url }) });
      expect(cli.code, cli.stderr).to.equal(ExitCode.brokerRefused);
      expect(cli.stderr).to.contain("vhost 'no-such-vhost'");
    });
  });
});
