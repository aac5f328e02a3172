import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { hangRangeWrites } from './deliveryFaults.js';

interface RangeJson { rangeId: number; startId: number; endId: number; state: string; attempts: number; lastError: string | null }

describe('a failed range shows its reason: backfill ranges and backfill status', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  // A one-second statement timeout for range work and writes that sleep three: the range holding track 1500
  // fails on PostgreSQL's statement timeout on each of its two attempts.
  fleet.extraEnv = { BACKFILL_MAX_ATTEMPTS: '2', BACKFILL_RETRY_BASE_MS: '100', RANGE_STATEMENT_TIMEOUT_MS: '1000' };
  let jobId = 0;
  before(async () => {
    await fleet.setUp(3000);
    await hangRangeWrites(fleet.pool, 1500, 3);
    fleet.start(['producer']);
    fleet.start(['consumer']);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    expect(await fleet.waitForJobEnd(jobId)).to.equal('failed');
  });
  after(() => fleet.tearDown());

  it('backfill ranges --state failed --json lists the range with its attempts and the statement timeout', async () => {
    const listed = await runCli(['backfill', 'ranges', String(jobId), '--state', 'failed', '--json'], { env: fleet.env() });
    expect(listed.code, listed.stderr).to.equal(0);
    const ranges = JSON.parse(listed.stdout) as RangeJson[];
    expect(ranges).to.have.length(1);
    const [range] = ranges as [RangeJson];
    expect(range.state).to.equal('failed');
    expect(range.attempts).to.equal(2);
    expect(range.startId).to.be.at.most(1500);
    expect(range.endId).to.be.at.least(1500);
    expect(range.lastError).to.match(/canceling statement due to statement timeout/);
  });

  it('backfill ranges prints an aligned table, every state without a filter, and pages with --after/--limit', async () => {
    const table = await runCli(['backfill', 'ranges', String(jobId)], { env: fleet.env() });
    expect(table.code, table.stderr).to.equal(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^RANGE\s+IDS\s+STATE\s+ATTEMPTS\s+LAST ERROR$/);
    expect(lines.filter((l) => /\sdone\s/.test(l)).length).to.be.greaterThan(0);
    expect(lines.find((l) => /\sfailed\s/.test(l))).to.match(/statement timeout/);
    const firstPage = JSON.parse((await runCli(['backfill', 'ranges', String(jobId), '--limit', '2', '--json'], { env: fleet.env() })).stdout) as RangeJson[];
    expect(firstPage).to.have.length(2);
    const paged = await runCli(['backfill', 'ranges', String(jobId), '--after', String(firstPage[1]?.rangeId), '--limit', '2', '--json'], { env: fleet.env() });
    const secondPage = JSON.parse(paged.stdout) as RangeJson[];
    expect(secondPage[0]?.rangeId).to.be.greaterThan(firstPage[1]?.rangeId ?? Infinity);
    expect(paged.stderr).to.match(/more ranges follow: --after \d+/);
  });

  it('backfill status shows the failed range with ids, attempts and last error; --json carries failedRanges', async () => {
    const text = await runCli(['backfill', 'status', String(jobId)], { env: fleet.env() });
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/failed range \d+ \(ids \d+\.\.\d+, 2 attempt\(s\)\): .*canceling statement due to statement timeout/);
    const json = await runCli(['backfill', 'status', String(jobId), '--json'], { env: fleet.env() });
    const status = JSON.parse(json.stdout) as { failedRanges: RangeJson[] };
    expect(status.failedRanges).to.have.length(1);
    expect(status.failedRanges[0]).to.include({ attempts: 2 });
    expect(status.failedRanges[0]?.lastError).to.match(/statement timeout/);
  });

  it('the dead letter of the failed range is listed with its reason by backfill dlq list', async () => {
    const listed = await runCli(['backfill', 'dlq', 'list', '--job', String(jobId), '--json'], { env: fleet.env() });
    expect(listed.code, listed.stderr).to.equal(0);
    const letters = JSON.parse(listed.stdout) as { jobId: number; reason: string }[];
    expect(letters).to.have.length(1);
    expect(letters[0]?.reason).to.match(/attempts exhausted: .*statement timeout/);
  });

  it('an invalid --state is a usage error listing the valid states', async () => {
    const wrong = await runCli(['backfill', 'ranges', String(jobId), '--state', 'failed,nope'], { env: fleet.env() });
    expect(wrong.code).to.equal(64);
    expect(wrong.stderr).to.include('pending, published, done, failed, rolled_back');
    expect(wrong.stdout).to.equal('');
    const badLimit = await runCli(['backfill', 'ranges', String(jobId), '--limit', '0'], { env: fleet.env() });
    expect(badLimit.code).to.equal(64);
  });
});
