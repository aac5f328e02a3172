import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { deleteTopology } from '../../src/shared/amqp/topology.js';
import { fleetNames } from '../../src/shared/names.js';
import { CLI_PATH, runCli } from '../helpers/cli.js';
import { ADMIN_DATABASE_URL, dropDatabase, TEST_RABBITMQ_URL, TEST_REDIS_URL, testEnv, uniqueName } from '../helpers/isolation.js';

const TRACKS = 3000;

interface DemoSummary {
  status: { state: string; bounds: { minId: number; maxId: number }; ranges: { total: number; done: number; failed: number; pending: number };
    tracks: { converted: number; failed: number; skipped: number } };
  errorsByCode: { code: string; count: number }[];
  exitCodes: Record<string, number | null>;
}
interface VerifyReport { ok: boolean; checks: { name: string; status: string; numbers: Record<string, number> }[] }

/**
 * The README's first command, small: `demo --tracks 3000 --consumers 2 --json` on a database and namespace of
 * its own. It must exit 0, and every seeded track must be converted, reported as a row error, or skipped for
 * having no legacy data — none lost between the summary, the ledger and db verify.
 */
describe('demo (smoke run)', function () {
  this.timeout(180_000);
  const database = uniqueName('tm_demo');
  const namespace = uniqueName('tmdemo').replace(/_/g, '-');

  after(async () => {
    await dropDatabase(database);
    // The demo runs its fleet under `<namespace>-demo`.
    const demoNamespace = `${namespace}-demo`;
    const connection = await amqp.connect(TEST_RABBITMQ_URL);
    try {
      await deleteTopology(await connection.createChannel(), fleetNames(demoNamespace));
    } finally {
      await connection.close();
    }
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${demoNamespace}:*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it('on a terminal: the live line is ended before every other line, and no log line shows', async () => {
    const args = [CLI_PATH, 'demo', '--tracks', '1000', '--consumers', '1', '--database', database];
    const command = [process.execPath, ...args].map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'],
        { env: testEnv({ DATABASE_URL: ADMIN_DATABASE_URL, TRACKTION_NAMESPACE: namespace }), stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`demo exited ${code}: ${text}`))));
    });
    // What a person sees: of each line, what is left after its last redraw (\r and "erase line").
    const lines = output.split(/\r?\n/).map((l) => (l.split('\r').at(-1) ?? '').replaceAll('\x1b[2K', ''));
    expect(lines).to.include('seeded 1000 legacy tracks');
    expect(lines).to.include('started a producer and 1 consumers');
    expect(lines.some((l) => /^\[#+\] 100%/.test(l)), 'the progress bar ends at 100% on its own line').to.equal(true);
    expect(lines.find((l) => /^backfill job \d+: completed/.test(l)), 'the summary starts a line').to.be.a('string');
    expect(output, 'no JSON log line').not.to.match(/\{"level"/);
  });

  it(`converts or accounts for every one of ${TRACKS} tracks, and exits 0`, async () => {
    const result = await runCli(['demo', '--tracks', String(TRACKS), '--consumers', '2', '--database', database, '--json'],
      { env: testEnv({ DATABASE_URL: ADMIN_DATABASE_URL, TRACKTION_NAMESPACE: namespace }) });
    expect(result.code, result.stderr).to.equal(0);
    // Its own lines only: the fleet's logs went to the file it names, and it says how to look at its job.
    expect(result.stderr, 'no raw JSON log line on the terminal').not.to.match(/^\{"level"/m);
    const logFile = /the producer's and consumers' logs: (\S+)/.exec(result.stderr)?.[1];
    expect(logFile && existsSync(logFile), result.stderr).to.equal(true);
    expect(result.stderr).to.include(`TRACKTION_NAMESPACE=${namespace}-demo DATABASE_URL=`);
    const status = await runCli(['backfill', 'status', '--json'],
      { env: testEnv({ DATABASE_URL: ADMIN_DATABASE_URL.replace(/\/[^/]*$/, `/${database}`), TRACKTION_NAMESPACE: `${namespace}-demo` }) });
    expect(status.code, status.stderr).to.equal(0);
    expect((JSON.parse(status.stdout) as { state: string }).state).to.equal('completed');
    // Two JSON documents, one a line: the demo's summary, then db verify's report.
    const [summary, verify] = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown) as [DemoSummary, VerifyReport];

    const { state, ranges, tracks, bounds } = summary.status;
    expect(state).to.equal('completed');
    expect(ranges).to.include({ failed: 0, pending: 0, done: ranges.total });
    expect(Object.values(summary.exitCodes), 'producer and consumers exited 0').to.deep.equal([0, 0, 0]);
    expect(tracks.converted).to.be.greaterThan(TRACKS * 0.8);
    expect(summary.errorsByCode.reduce((n, e) => n + e.count, 0), 'row errors by code add up').to.equal(tracks.failed);

    expect(verify.ok, JSON.stringify(verify.checks.filter((c) => c.status !== 'PASS' && c.status !== 'INFO'))).to.equal(true);
    const numbers = (name: string) => verify.checks.find((c) => c.name === name)?.numbers ?? {};
    expect(numbers('tracks')).to.deep.equal({ tracks: TRACKS, legacy: tracks.converted + tracks.failed });
    expect(numbers('analysis_history rows').rows).to.equal(tracks.converted);

    // Every track: in the job's bounds and counted once, or outside them without legacy data.
    // A client, not a pool: pool.end() resolves before its connections have closed, and the after hook's DROP
    // DATABASE … FORCE could then reach a connection still closing, whose error no one would listen to.
    const client = new pg.Client({ connectionString: new URL(`/${database}`, ADMIN_DATABASE_URL).toString() });
    await client.connect();
    try {
      const { rows: [counts] } = await client.query<{ inside: number; outside_with_legacy: number; total: number }>(
        `SELECT count(*) FILTER (WHERE id BETWEEN $1 AND $2)::int AS inside,
                count(*) FILTER (WHERE id NOT BETWEEN $1 AND $2 AND analysis_data IS NOT NULL)::int AS outside_with_legacy,
                count(*)::int AS total
           FROM tracks`, [bounds.minId, bounds.maxId]);
      expect(counts?.total).to.equal(TRACKS);
      expect(counts?.outside_with_legacy).to.equal(0);
      expect(tracks.converted + tracks.failed + tracks.skipped, 'converted + failed + skipped = tracks in the bounds').to.equal(counts?.inside);
    } finally {
      await client.end();
    }
  });
});
