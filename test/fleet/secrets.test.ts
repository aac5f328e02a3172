import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';

/** No credential in a log line, an error message or status output — checked by grepping a whole run. */
describe('credentials never printed', function () {
  this.timeout(120_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('a debug-level run with a password in DATABASE_URL never shows it', async () => {
    await fleet.setUp(2000);
    const secret = 'pg-Secret-7c1e9a';
    const url = new URL(fleet.db.url);
    url.password = secret; // trust auth on this machine ignores it; every process still carries it in its URL
    const env = { DATABASE_URL: url.toString(), LOG_LEVEL: 'debug' };
    const producer = fleet.start(['producer'], env);
    const consumer = fleet.start(['consumer'], env);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env(env) });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    const outputs = [enqueued.stdout, enqueued.stderr];
    for (const args of [['backfill', 'status', String(jobId), '--json'], ['backfill', 'status', String(jobId)], ['backfill', 'errors', String(jobId), '--summary'],
      ['db', 'status', '--json'], ['db', 'verify']]) {
      const result = await runCli(args, { env: fleet.env(env) });
      outputs.push(result.stdout, result.stderr);
    }
    // An error path: the same URL pointing at a database that does not exist.
    const missing = new URL(url);
    missing.pathname = '/no_such_database_here';
    const failed = await runCli(['backfill', 'list'], { env: fleet.env({ ...env, DATABASE_URL: missing.toString() }) });
    expect(failed.code).to.not.equal(0);
    outputs.push(failed.stdout, failed.stderr);
    producer.kill('SIGTERM');
    consumer.kill('SIGTERM');
    await Promise.all([producer.exited, consumer.exited]);
    outputs.push(producer.output(), consumer.output());
    const all = outputs.join('\n');
    expect(all.length).to.be.greaterThan(1000);
    expect(all).not.to.contain(secret);
  });
});
