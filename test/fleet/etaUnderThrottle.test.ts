import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Coordinator } from '../../src/shared/coordinator/coordinator.js';
import { setOperatorCap } from '../../src/operations/throttle.js';
import type { Eta } from '../../src/operations/status/etaModel.js';
import { RATE_HALF_LIFE_SECONDS } from '../../src/operations/status/etaModel.js';
import { pause } from '../helpers/waitFor.js';
import { FleetHarness } from './fleetHarness.js';
import { cli, enqueue } from './jobCommands.js';

const RANGE_SIZE = 50;
const TRACKS = 10_000;
/** Legacy rows per second before and after the operator lowers the cap: the throttle change the ETA must follow. */
const FAST = 600;
const SLOW = 150;
/**
 * Lower the cap once this many ranges are done: ~3,000 of the ~9,800 legacy rows, about 5 s at FAST; the
 * other ~6,800 take ~45 s at SLOW, so the job outlasts both samples and ends within a minute.
 */
const THROTTLE_AFTER_RANGES = 60;
/**
 * When the ETA is read after the cap is lowered: three half-lives, so the fast seconds weigh ~4 % of the
 * smoothed rate (2^-3 of their ~30 % share of the weight): the rate reads ~10 % above SLOW. A second sample
 * five seconds later must agree as well.
 */
const SAMPLES_AFTER_MS = [3 * RATE_HALF_LIFE_SECONDS * 1000, 3 * RATE_HALF_LIFE_SECONDS * 1000 + 5000];
/**
 * How far the real finish may lie from the ETA, as a share of the time that was left (~12 s and ~7 s): 25 %.
 * Room for the fast seconds' remaining weight (~10 % short), the last ranges' own duration and the sampling
 * on a shared 2-core box (~1 s). Measured here: 5–10 % short.
 */
const TOLERANCE = 0.25;
/**
 * The rate shown must have followed the cap: tracks without legacy data pass too (~2 % above it) and the fast
 * seconds still weigh a little. The last-minute mean shown before read ~1.35 × SLOW at the first sample.
 */
const RATE_RANGE = [SLOW * 0.95, SLOW * 1.25] as const;

interface Status { state: string; ratePerSecond: number; eta: Eta; etaSeconds: number | null; tracks: { converted: number; failed: number; skipped: number }; runningSeconds: number }

/**
 * The ETA under a throttle, against the real finish: a job runs capped at FAST, the operator lowers the cap
 * to SLOW mid-way, and once the smoothing has settled the ETA `backfill status` gives is checked against when
 * the job's last range really finished.
 */
describe('ETA under a throttle lowered mid-job', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('follows the lowered rate and predicts the real finish within the tolerance', async () => {
    // Range size pinned (no adaptation mid-job: the cap counts ranges of the enqueued size). The health throttle
    // halves from at least 2 × THROTTLE_MIN_RATE: that high, the operator's cap always stays the lower limit,
    // so a range made slow by a busy shared box cannot throttle the job behind the test's back.
    fleet.extraEnv = { BACKFILL_MIN_RANGE_SIZE: String(RANGE_SIZE), BACKFILL_MAX_RANGE_SIZE: String(RANGE_SIZE), THROTTLE_MIN_RATE: '1000000' };
    await fleet.setUp(TRACKS);
    fleet.start(['producer']);
    const jobId = await enqueue(fleet, ['--range-size', String(RANGE_SIZE)]);
    await throttle(fleet, jobId, FAST);
    fleet.start(['consumer', '--prefetch', '2']);
    fleet.start(['consumer', '--prefetch', '2']);

    await fleet.waitFor(async () => (await rangesDone(fleet, jobId)) >= THROTTLE_AFTER_RANGES, `${THROTTLE_AFTER_RANGES} ranges done`);
    // Lowered in this process, through the function `backfill throttle` calls: a CLI process takes 1–6 s to
    // start on this shared box, all of it at the fast rate, and the slow part of the job would be anyone's guess.
    const redis = new Redis(fleet.redisUrl);
    try {
      await setOperatorCap({ pool: fleet.pool, coordinator: new Coordinator(redis, fleet.names.redisPrefix) }, jobId, SLOW);
    } finally {
      redis.disconnect();
    }
    const throttledAt = Date.now();

    const samples: { status: Status; sampledAt: number }[] = [];
    for (const after of SAMPLES_AFTER_MS) {
      await pause(throttledAt + after - Date.now());
      const status = await statusOf(fleet, jobId);
      expect(status.state, 'still running when sampled (the job must outlast the settling)').to.equal('running');
      expect(status.eta.kind, status.eta.basis).to.equal('eta');
      expect(status.etaSeconds).to.equal(status.eta.seconds);
      // The status computed finishAt as its now + seconds: that now is when the figure was true.
      samples.push({ status, sampledAt: Date.parse(status.eta.finishAt as string) - (status.eta.seconds as number) * 1000 });
    }

    expect(await fleet.waitForJobEnd(jobId, 120_000)).to.equal('completed');
    const { rows: [last] } = await fleet.pool.query<{ at: Date }>(
      `SELECT max(finished_at) AS at FROM backfill_ranges WHERE job_id = $1 AND state = 'done'`, [jobId]);
    // The work's end is the last range committing; the job is marked completed at the producer's next round after.
    const finishedAt = (last?.at as Date).getTime();

    for (const { status, sampledAt } of samples) {
      const left = (finishedAt - sampledAt) / 1000;
      const eta = status.eta.seconds as number;
      const processed = status.tracks.converted + status.tracks.failed + status.tracks.skipped;
      const wholeRun = processed / status.runningSeconds;
      const detail = `ETA ${eta} s, really ${left.toFixed(1)} s left; ${status.eta.basis}; the whole-run average ` +
        `${wholeRun.toFixed(0)} tracks/s would have said ${(eta * status.ratePerSecond / wholeRun).toFixed(0)} s`;
      expect(status.ratePerSecond, detail).to.be.within(...RATE_RANGE);
      expect(eta / left, detail).to.be.within(1 - TOLERANCE, 1 + TOLERANCE);
    }

    const text = await cli(fleet, ['backfill', 'status', String(jobId)]);
    expect(text.stdout).to.match(/ completed at \d\d:\d\d:\d\d UTC/);
    const ended = await statusOf(fleet, jobId);
    expect(ended.eta).to.deep.include({ kind: 'ended', outcome: 'completed', seconds: 0, finishAt: null });
    expect(ended.eta.endedAt).to.be.a('string');
  });
});

/**
 * With no rate to go by, `backfill wait` and `backfill status` say why instead of printing an ETA: a job no
 * consumer takes ranges of is "estimating…" (rate 0), a paused one "paused".
 */
describe('ETA when there is no rate: backfill wait and status', function () {
  this.timeout(120_000);
  const fleet = new FleetHarness();
  after(() => fleet.tearDown());

  it('says "estimating…" at rate 0 and "paused" while paused, never an ETA', async () => {
    await fleet.setUp(2000);
    fleet.start(['producer']);
    const jobId = await enqueue(fleet, ['--range-size', String(RANGE_SIZE)]);
    await fleet.waitFor(async () => (await fleet.jobState(jobId)) === 'running', 'the job to run');

    const waiting = await cli(fleet, ['backfill', 'wait', String(jobId), '--timeout', '2']);
    expect(waiting.code, waiting.stderr).to.equal(2);
    expect(waiting.stderr).to.match(new RegExp(`job ${jobId} running: .* · 0 tracks/s · estimating… · 0 consumers`));
    expect(waiting.stderr).not.to.match(/ETA/);
    const running = await statusOf(fleet, jobId);
    expect(running.eta).to.deep.include({ kind: 'estimating', seconds: null, finishAt: null });
    expect(running.ratePerSecond).to.equal(0);
    const estimating = await cli(fleet, ['backfill', 'status', String(jobId)]);
    expect(estimating.stdout, 'the text says why there is no ETA').to.match(/^rate {5}0 tracks\/s \(recent, half-life 10 s\) {3}estimating… \((no track finished|running for \d+ s)/m);

    expect((await cli(fleet, ['backfill', 'pause', String(jobId)])).code).to.equal(0);
    const paused = await cli(fleet, ['backfill', 'wait', String(jobId), '--timeout', '2']);
    expect(paused.stderr).to.match(new RegExp(`job ${jobId} paused: .* · paused · `));
    expect(paused.stderr).not.to.match(/ETA/);
    const text = await cli(fleet, ['backfill', 'status', String(jobId)]);
    expect(text.stdout).to.match(/^rate {5}0 tracks\/s \(recent, half-life 10 s\) {3}paused$/m);
    expect((await statusOf(fleet, jobId)).eta).to.deep.include({ kind: 'paused', seconds: null, finishAt: null, endedAt: null });
  });
});

async function throttle(fleet: FleetHarness, jobId: number, rate: number): Promise<void> {
  const capped = await cli(fleet, ['backfill', 'throttle', String(jobId), '--max-rate', String(rate)]);
  expect(capped.code, capped.stderr).to.equal(0);
}

async function rangesDone(fleet: FleetHarness, jobId: number): Promise<number> {
  const { rows: [r] } = await fleet.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM backfill_ranges WHERE job_id = $1 AND state = 'done'`, [jobId]);
  return r?.n ?? 0;
}

async function statusOf(fleet: FleetHarness, jobId: number): Promise<Status> {
  const status = await cli(fleet, ['backfill', 'status', String(jobId), '--json']);
  expect(status.code, status.stderr).to.equal(0);
  return JSON.parse(status.stdout) as Status;
}
