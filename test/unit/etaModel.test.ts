import { expect } from 'chai';
import {
  estimateJobEta, runningAt, smoothedRate, MIN_RUNNING_SECONDS, RATE_HALF_LIFE_SECONDS, RATE_WINDOW_SECONDS,
  type EtaInput, type SmoothedRate, type ThroughputSeries,
} from '../../src/operations/status/etaModel.js';
import { etaText } from '../../src/cli/statusFormat.js';

const H = RATE_HALF_LIFE_SECONDS;
/** 2026-12-07T12:00:00Z, the "now" of every series: the last whole second is the one before. */
const NOW_SECOND = Date.parse('2026-12-07T12:00:00.000Z') / 1000;
const always = () => true;

/**
 * Recorded series: tracks finished per second as the coordinator's buckets hold them, oldest first. Ranges
 * finish one at a time, so a steady 200 tracks/s fleet of 400-track ranges shows 400 every other second.
 */
function series(perSecond: number[]): ThroughputSeries {
  return { endSecond: NOW_SECOND - 1, tracks: perSecond.slice(-RATE_WINDOW_SECONDS) };
}
function ranges(seconds: number, rangeTracks: number, everySeconds: number, phase = 0): number[] {
  return Array.from({ length: seconds }, (_, i) => ((i + phase) % everySeconds === everySeconds - 1 ? rangeTracks : 0));
}
function input(rate: SmoothedRate, extra: Partial<EtaInput> = {}): EtaInput {
  return { state: 'running', nowMs: NOW_SECOND * 1000, finishedAt: null, rowsRemaining: 6000, tracksPerRow: 1,
    rate, throttleRate: null, throttleReason: null, ...extra };
}

describe('ETA model: a smoothed recent rate', () => {
  it('steady: the rate is the fleet\'s, whichever second the sample falls on, and the ETA is remaining over it', () => {
    for (let phase = 0; phase < 2; phase++) {
      const rate = smoothedRate(series(ranges(300, 400, 2, phase)), always);
      // Each range's tracks are spread over the seconds since the previous one: no saw-tooth between finishes.
      expect(rate.tracksPerSecond).to.be.closeTo(200, 0.5);
      const eta = estimateJobEta(input(rate));
      expect(eta.kind).to.equal('eta');
      expect(eta.seconds).to.equal(Math.round(6000 / rate.tracksPerSecond));
      expect(eta.finishAt).to.equal(new Date((NOW_SECOND + (eta.seconds as number)) * 1000).toISOString());
      expect(etaText(eta, new Date(NOW_SECOND * 1000))).to.equal('ETA 30s (finish ~12:00 UTC)');
    }
  });

  it('throttled mid-way from fast to slow: half of the change shows within one half-life, and it converges', () => {
    const fast = ranges(200, 1000, 1); // 1000 tracks/s
    const slowRate = 250; // then throttled: one 500-track range every 2 s
    const after = (seconds: number) => smoothedRate(series([...fast, ...ranges(seconds, 500, 2)]), always).tracksPerSecond;
    const gap = 1000 - slowRate;
    expect(after(H) - slowRate, 'after one half-life at most half the gap is left').to.be.at.most(gap / 2);
    expect(after(4 * H) - slowRate, 'after four half-lives at most 1/16 of it').to.be.at.most(gap / 16);
    expect(after(RATE_WINDOW_SECONDS)).to.be.closeTo(slowRate, 1);
    // The whole-run average — what the ETA went by before — is still far off after four half-lives.
    const wholeRun = (200 * 1000 + 4 * H * slowRate) / (200 + 4 * H);
    expect(6000 / wholeRun, 'the old ETA').to.be.below(0.5 * 6000 / slowRate);
    const eta = estimateJobEta(input(smoothedRate(series([...fast, ...ranges(4 * H, 500, 2)]), always)));
    expect(eta.seconds as number).to.be.within(6000 / slowRate * 0.8, 6000 / slowRate);
  });

  it('leaves paused seconds out instead of counting them as zeros, and says "paused" while paused', () => {
    const start = NOW_SECOND - 200;
    const history = [
      { toState: 'queued', at: iso(start - 5) }, { toState: 'running', at: iso(start) },
      { toState: 'paused', at: iso(start + 100) }, { toState: 'running', at: iso(start + 180) },
    ];
    // 300 tracks/s while running, nothing while paused (seconds 100..179 of the run), 20 s since the resume.
    const perSecond = Array.from({ length: 200 }, (_, i) => (i >= 100 && i < 180 ? 0 : 300));
    const rate = smoothedRate(series(perSecond), runningAt(history));
    expect(rate.tracksPerSecond).to.be.closeTo(300, 1e-9);
    expect(rate.runningSeconds).to.equal(20 + (RATE_WINDOW_SECONDS - 100));
    expect(smoothedRate(series(perSecond), always).tracksPerSecond, 'counted as zeros it would be lower').to.be.below(0.8 * 300);

    const paused = estimateJobEta(input(rate, { state: 'paused' }));
    expect(paused).to.deep.include({ kind: 'paused', seconds: null, finishAt: null, endedAt: null, outcome: null });
    expect(etaText(paused)).to.equal('paused');
  });

  it('zero rate: held by the throttle says so; a fleet that stopped finishing anything says "estimating", never a rising ETA', () => {
    const held = estimateJobEta(input(smoothedRate(series(ranges(100, 300, 1)), always), { throttleRate: 0, throttleReason: '2 session(s) waiting for locks on tracks' }));
    expect(held).to.deep.include({ kind: 'held', seconds: null, finishAt: null });
    expect(held.basis).to.equal('held by the throttle at 0 tracks/s: 2 session(s) waiting for locks on tracks');
    expect(etaText(held)).to.equal('held by throttle');

    // 300 tracks/s, then nothing at all: while the silence could still be the gap to the next finish (one
    // half-life here) the ETA stands still; then there is no rate and no ETA. It never rises.
    const etas: (number | null)[] = [];
    for (let quiet = 0; quiet <= 3 * H; quiet++) {
      etas.push(estimateJobEta(input(smoothedRate(series([...ranges(100, 300, 1), ...new Array<number>(quiet).fill(0)]), always))).seconds);
    }
    const first = etas[0] as number;
    expect(etas.slice(0, H + 1)).to.deep.equal(new Array<number>(H + 1).fill(first));
    expect(etas.indexOf(null)).to.equal(H + 1);
    expect(etas.slice(H + 1).every((s) => s === null)).to.equal(true);
    const stalled = smoothedRate(series([...ranges(100, 300, 1), ...new Array<number>(2 * H).fill(0)]), always);
    expect(stalled).to.include({ tracksPerSecond: 0, stalled: true, quietSeconds: 2 * H });
    const eta = estimateJobEta(input(stalled));
    expect(eta).to.deep.include({ kind: 'estimating', seconds: null, basis: `no track finished for ${2 * H} s` });
    expect(etaText(eta)).to.equal('estimating…');

    const never = estimateJobEta(input(smoothedRate(series(new Array<number>(60).fill(0)), always)));
    expect(never).to.deep.include({ kind: 'estimating', seconds: null });
  });

  it('sparse ranges (a big range every 8 s) are gaps, not stalls; too few running seconds is "estimating"', () => {
    const rate = smoothedRate(series(ranges(200, 4000, 8)), always);
    expect(rate.stalled).to.equal(false);
    expect(rate.tracksPerSecond).to.be.closeTo(500, 1);
    // Six seconds after the last one, the next is not late yet: the rate holds.
    expect(smoothedRate(series([...ranges(200, 4000, 8), 0, 0, 0, 0, 0, 0]), always)).to.include({ stalled: false, quietSeconds: 6 });
    const young = smoothedRate(series(ranges(MIN_RUNNING_SECONDS - 1, 300, 1)), runningAt([{ toState: 'running', at: iso(NOW_SECOND - MIN_RUNNING_SECONDS + 1) }]));
    expect(young.runningSeconds).to.equal(MIN_RUNNING_SECONDS - 1);
    expect(estimateJobEta(input(young)).kind).to.equal('estimating');
  });

  it('terminal states show their outcome and end time, never a finish time for a job that did not finish', () => {
    const rate = smoothedRate(series(ranges(100, 300, 1)), always);
    const endedAt = '2026-12-07T06:12:09.000Z';
    const now = new Date(NOW_SECOND * 1000);
    for (const [state, seconds, text] of [
      ['completed', 0, 'completed at 06:12:09 UTC'], ['failed', null, 'failed at 06:12:09 UTC'],
      ['cancelled', null, 'cancelled at 06:12:09 UTC'], ['rolled_back', null, 'rolled back at 06:12:09 UTC'],
      ['finalized', 0, 'finalized (completed at 06:12:09 UTC)'],
    ] as const) {
      const eta = estimateJobEta(input(rate, { state, finishedAt: endedAt }));
      expect(eta, state).to.deep.include({ kind: 'ended', outcome: state, endedAt, seconds, finishAt: null });
      expect(etaText(eta, now)).to.equal(text);
    }
    expect(etaText(estimateJobEta(input(rate, { state: 'failed', finishedAt: endedAt })), new Date('2026-12-09T00:00:00Z')))
      .to.equal('failed at 2026-12-07 06:12:09 UTC');
    const cancelling = estimateJobEta(input(rate, { state: 'cancelling' }));
    expect(cancelling).to.deep.include({ kind: 'ended', outcome: 'cancelling', endedAt: null, seconds: null });
    expect(etaText(cancelling)).to.equal('cancelling');
  });

  it('queued, or nothing planned yet, is "estimating"; nothing left is 0', () => {
    const rate = smoothedRate(series(ranges(100, 300, 1)), always);
    expect(estimateJobEta(input(rate, { state: 'queued' })).kind).to.equal('estimating');
    expect(estimateJobEta(input(rate, { rowsRemaining: null })).kind).to.equal('estimating');
    expect(estimateJobEta(input(rate, { rowsRemaining: 0 }))).to.deep.include({ kind: 'eta', seconds: 0 });
    // Tracks without legacy data are gone through too: 2 % more tracks than legacy rows, 2 % more time.
    expect(estimateJobEta(input(rate, { tracksPerRow: 1.02 })).seconds).to.equal(Math.round(6120 / rate.tracksPerSecond));
  });
});

function iso(epochSecond: number): string {
  return new Date(epochSecond * 1000).toISOString();
}
