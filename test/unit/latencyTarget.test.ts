import { expect } from 'chai';
import fc from 'fast-check';
import { throttleReasonLabel } from '../../src/operations/status/throttleLabel.js';
import { appLatencyProblem, baselineFor, quantile, type AppLatencySignal } from '../../src/operations/latencyTarget.js';
import { decideThrottle, type HealthSignals, type ThrottleLimits, type ThrottleState } from '../../src/operations/throttlePolicy.js';
import { loadConfig, parseAppLatencyTarget, type AppLatencyTarget } from '../../src/shared/config.js';

const ratio2: AppLatencyTarget = { kind: 'ratio', ratio: 2 };
const signal = (probeMs: number, baselineMs: number | null, activeSessions = 2): AppLatencySignal => ({ probeMs, baselineMs, activeSessions });

describe('the latency guard\'s rule', () => {
  it('reads BACKFILL_APP_LATENCY_TARGET: off, a ratio, or a time; anything else is refused by name', () => {
    expect(parseAppLatencyTarget('off')).to.equal(null);
    expect(parseAppLatencyTarget('2x')).to.deep.equal({ kind: 'ratio', ratio: 2 });
    expect(parseAppLatencyTarget(' 1.5X ')).to.deep.equal({ kind: 'ratio', ratio: 1.5 });
    expect(parseAppLatencyTarget('25ms')).to.deep.equal({ kind: 'ms', ms: 25 });
    for (const bad of ['', '2', '1x', '0.5x', '101x', '0ms', '25 ms', '2xx', '-3x', 'on']) expect(parseAppLatencyTarget(bad), bad).to.equal(undefined);
    expect(loadConfig({}).BACKFILL_APP_LATENCY_TARGET, 'the default: off').to.equal(null);
    expect(loadConfig({ BACKFILL_APP_LATENCY_TARGET: '2x' }).BACKFILL_APP_LATENCY_TARGET).to.deep.equal(ratio2);
    expect(loadConfig({ BACKFILL_APP_LATENCY_TARGET: 'off' }).BACKFILL_APP_LATENCY_TARGET).to.equal(null);
    expect(() => loadConfig({ BACKFILL_APP_LATENCY_TARGET: 'fast' })).to.throw(/BACKFILL_APP_LATENCY_TARGET.*must be off, a ratio/);
  });

  it('is over a ratio target only above ratio × baseline, and over a time target only above the time', () => {
    expect(appLatencyProblem(signal(4.1, 2), ratio2)).to.equal('application read latency 4.1 ms, 2.0× its baseline 2.0 ms, above the target 2×');
    expect(appLatencyProblem(signal(4, 2), ratio2), 'at the target is fine').to.equal(null);
    expect(appLatencyProblem(signal(30, 1), { kind: 'ms', ms: 25 })).to.equal('application read latency 30.0 ms above the target 25 ms');
    expect(appLatencyProblem(signal(20, 1), { kind: 'ms', ms: 25 })).to.equal(null);
    expect(appLatencyProblem(signal(0.9, 0.1), ratio2), 'a tiny baseline is compared from 0.5 ms').to.equal(null);
    expect(appLatencyProblem(signal(50, null), ratio2), 'no baseline, no ratio').to.equal(null);
    expect(appLatencyProblem(null, ratio2)).to.equal(null);
    expect(appLatencyProblem(signal(50, 1), null), 'off').to.equal(null);
  });

  it('never throttles for an idle application, whatever the probe measures (the backfill only competes with itself)', () => {
    fc.assert(fc.property(
      fc.double({ min: 0, max: 10_000, noNaN: true }), fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: null }),
      fc.oneof(fc.record({ kind: fc.constant('ratio' as const), ratio: fc.double({ min: 1.1, max: 100, noNaN: true }) }),
        fc.record({ kind: fc.constant('ms' as const), ms: fc.double({ min: 1, max: 60_000, noNaN: true }) })),
      (probeMs, baselineMs, target) => appLatencyProblem({ probeMs, baselineMs, activeSessions: 0 }, target) === null,
    ));
  });

  it('takes a job\'s baseline from the quiet rounds since its last one, and keeps it while the job runs', () => {
    const quiet = [{ ms: 1, at: 10 }, { ms: 3, at: 20 }, { ms: 2, at: 30 }];
    expect(baselineFor(null, [])).to.equal(null);
    expect(baselineFor(null, quiet)).to.deep.equal({ ms: 2, at: 30 });
    expect(baselineFor({ ms: 2, at: 30 }, quiet), 'no newer quiet round: unchanged').to.deep.equal({ ms: 2, at: 30 });
    expect(baselineFor({ ms: 2, at: 30 }, [...quiet, { ms: 5, at: 40 }]), 're-measured while paused or held').to.deep.equal({ ms: 5, at: 40 });
  });

  it('feeds the throttle: halves the rate with the latency as reason, after lock waits', () => {
    const limits: ThrottleLimits = { maxReplicationLagSeconds: 10, maxDurationRatio: 3, minRate: 100, appLatencyTarget: ratio2 };
    const fresh: ThrottleState = { healthRate: null, healthyRounds: 0, reason: null, since: null };
    const slow: HealthSignals = { lockWaiters: 0, replicationLagSeconds: null, recentDurationRatio: null, appLatency: signal(9, 2) };
    const now = new Date('2026-01-01T00:00:00Z');
    const decision = decideThrottle(fresh, slow, limits, 4000, null, now);
    expect(decision).to.include({ healthRate: 2000, effectiveRate: 2000 });
    expect(decision.reason).to.match(/^application read latency 9\.0 ms, 4\.5× its baseline/);
    expect(throttleReasonLabel({ rate: 2000, reason: decision.reason, since: null, operatorCap: null })).to.equal('app_latency');
    expect(decideThrottle(fresh, { ...slow, lockWaiters: 1 }, limits, 4000, null, now).reason).to.match(/waiting for locks/);
    expect(decideThrottle(fresh, slow, { ...limits, appLatencyTarget: null }, 4000, null, now).effectiveRate, 'guard off').to.equal(-1);
  });

  it('picks quantiles by the nearest rank', () => {
    expect(quantile([5, 1, 4, 2, 3, 6, 7, 8, 9, 10], 0.9)).to.equal(9);
    expect(quantile([3], 0.5)).to.equal(3);
    expect(Number.isNaN(quantile([], 0.5))).to.equal(true);
  });
});
