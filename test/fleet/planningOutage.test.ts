import { expect } from 'chai';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { runCli } from '../helpers/cli.js';
import { TcpProxy } from '../helpers/tcpProxy.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';
import { rangeStates, slowRanges } from './faults.js';
import { expectRangesCoverJob } from './planCoverage.js';

/**
 * PostgreSQL is out, for the producer only (its connection goes through a proxy of the test's own), for longer
 * than the request's BullMQ attempts last. The ledger still says planning is unfinished, so the request must
 * come back as a new attempt — from the running producer's keeper, or from a producer started afterwards.
 */
describe('planning: a PostgreSQL outage longer than the request\'s attempts', function () {
  this.timeout(200_000);

  for (const restartProducer of [false, true]) {
    describe(restartProducer ? 'the producer restarted after the outage' : 'the same producer', () => {
      const fleet = new FleetHarness();
      fleet.extraEnv = { BACKFILL_PLANNING_WINDOW: '10' };
      const proxy = new TcpProxy('127.0.0.1', 5432);
      let redis: Redis;
      before(async () => {
        await proxy.start();
        redis = new Redis(fleet.redisUrl, { maxRetriesPerRequest: null });
      });
      after(async () => {
        redis.disconnect();
        await proxy.stop();
        await fleet.tearDown();
      });

      it('finishes the job after the outage', async () => {
        await fleet.setUp(4000);
        await slowRanges(fleet.pool, 0.1);
        let producer = fleet.start(['producer'], { DATABASE_URL: proxy.urlFor(fleet.db.url) });
        const processes = [producer, fleet.start(['consumer', '--prefetch', '1']), fleet.start(['consumer', '--prefetch', '1'])];
        const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '20', '--json'], { env: fleet.env() });
        const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
        await fleet.waitFor(async () => ((await rangeStates(fleet.pool, jobId)).done ?? 0) >= 10, 'ten ranges done');

        proxy.cut();
        const queue = new Queue(fleet.names.requestQueue, { connection: redis, prefix: fleet.names.bullPrefix });
        try {
          await fleet.waitFor(async () => ((await queue.getJobCounts('failed')).failed ?? 0) >= 1, 'the request to use up its attempts', 90_000);
        } finally {
          await queue.close();
        }
        const { rows } = await fleet.pool.query<{ complete: boolean }>(`SELECT enumeration_complete AS complete FROM backfill_jobs WHERE id = $1`, [jobId]);
        expect(rows[0]?.complete, 'the outage lands while planning goes on').to.equal(false);
        if (restartProducer) {
          producer.kill('SIGKILL');
          await producer.exited;
          proxy.restore();
          producer = fleet.start(['producer'], { DATABASE_URL: proxy.urlFor(fleet.db.url) });
          processes.push(producer);
        } else {
          proxy.restore();
        }

        const end = await fleet.waitForJobEnd(jobId, 80_000)
          .catch((err: unknown) => { throw new Error(`${String(err)}\n${processes.map((p) => p.output().slice(-3000)).join('\n---\n')}`); });
        expect(end).to.equal('completed');
        await expectRangesCoverJob(fleet.pool, jobId);
        await expectDatabaseMatchesConversion(fleet.pool, jobId);
        if (!restartProducer) expect(producer.output()).not.to.contain('the job is marked failed');
      });
    });
  }
});
