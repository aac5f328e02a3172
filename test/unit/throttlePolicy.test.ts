import { expect } from 'chai';
import fc from 'fast-check';
import { decideThrottle, unhealthyReason, type HealthSignals, type ThrottleLimits, type ThrottleState } from '../../src/operations/throttlePolicy.js';

const limits: ThrottleLimits = { maxReplicationLagSeconds: 10, maxDurationRatio: 3, minRate: 50 };
const healthy: HealthSignals = { lockWaiters: 0, replicationLagSeconds: null, recentDurationRatio: null };
const locked: HealthSignals = { ...healthy, lockWaiters: 2 };
const fresh: ThrottleState = { healthRate: null, healthyRounds: 0, reason: null, since: null };
const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:00:05Z');

const signalsArb: fc.Arbitrary<HealthSignals> = fc.record({
  lockWaiters: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 })),
  replicationLagSeconds: fc.option(fc.double({ min: 0, max: 120, noNaN: true }), { nil: null }),
  recentDurationRatio: fc.option(fc.double({ min: 0, max: 20, noNaN: true }), { nil: null }),
});
const stateArb: fc.Arbitrary<ThrottleState> = fc.record({
  healthRate: fc.option(fc.oneof(fc.constant(0), fc.integer({ min: limits.minRate, max: 1_000_000 })), { nil: null }),
  healthyRounds: fc.integer({ min: 0, max: 1 }),
  reason: fc.option(fc.constantFrom('1 session(s) waiting for locks on tracks', 'recovering', 'operator cap 100 tracks/s'), { nil: null }),
  since: fc.option(fc.constant(t0.toISOString()), { nil: null }),
});
const measuredArb = fc.integer({ min: 0, max: 500_000 });
const capArb = fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: null });

describe('the throttle policy (decideThrottle)', () => {
  it('is unlimited on a healthy database without a cap, and follows the cap alone when only a cap is set', () => {
    expect(decideThrottle(fresh, healthy, limits, 5000, null, t0)).to.deep.equal({ healthRate: null, healthyRounds: 0, reason: null, since: null, effectiveRate: -1 });
    expect(decideThrottle(fresh, healthy, limits, 5000, 300, t0)).to.deep.equal({
      healthRate: null, healthyRounds: 0, reason: 'operator cap 300 tracks/s', since: t0.toISOString(), effectiveRate: 300 });
  });

  it('halves the measured rate on the first unhealthy round, and keeps the time it started', () => {
    const first = decideThrottle(fresh, locked, limits, 4000, null, t0);
    expect(first).to.include({ healthRate: 2000, effectiveRate: 2000, since: t0.toISOString() });
    expect(first.reason).to.equal('2 session(s) waiting for locks on tracks');
    const second = decideThrottle(first, locked, limits, 2000, null, t1);
    expect(second).to.include({ healthRate: 1000, effectiveRate: 1000, since: t0.toISOString() });
  });

  it('holds the job (rate 0) once half would fall below the minimum, and stays held while unhealthy', () => {
    const held = decideThrottle({ ...fresh, healthRate: 90, reason: 'recovering', since: t0.toISOString() }, locked, limits, 90, null, t1);
    expect(held.effectiveRate).to.equal(0);
    expect(decideThrottle(held, locked, limits, 0, null, t1).effectiveRate).to.equal(0);
  });

  it('names the first unhealthy signal: lock waits, then replication lag, then slow ranges', () => {
    expect(unhealthyReason({ lockWaiters: 1, replicationLagSeconds: 60, recentDurationRatio: 9 }, limits)).to.match(/waiting for locks/);
    expect(unhealthyReason({ lockWaiters: 0, replicationLagSeconds: 60, recentDurationRatio: 9 }, limits)).to.equal('replication lag 60.0 s above 10 s');
    expect(unhealthyReason({ lockWaiters: 0, replicationLagSeconds: 10, recentDurationRatio: 9 }, limits)).to.equal('ranges take 9.0× their usual time');
    expect(unhealthyReason({ lockWaiters: 0, replicationLagSeconds: 10, recentDurationRatio: 3 }, limits), 'at the limits is healthy').to.equal(null);
  });

  it('recovers step by step: held → the minimum, then doubling every second healthy round, then unlimited', () => {
    let state: ThrottleState = { healthRate: 0, healthyRounds: 0, reason: 'x', since: t0.toISOString() };
    const rates: number[] = [];
    for (let round = 0; round < 14; round++) {
      const decision = decideThrottle(state, healthy, limits, 400, null, t1);
      rates.push(decision.effectiveRate);
      state = decision;
    }
    // 400 tracks/s measured: limiting stops once the budget would pass 4 × 400.
    expect(rates).to.deep.equal([0, 50, 50, 100, 100, 200, 200, 400, 400, 800, 800, 1600, 1600, -1]);
    expect(state).to.include({ reason: null, since: null, healthRate: null });
  });

  it('property: the rate never exceeds the operator cap, and a cap always limits', () => {
    fc.assert(fc.property(stateArb, signalsArb, measuredArb, fc.integer({ min: 1, max: 1_000_000 }), (previous, signals, measured, cap) => {
      const decision = decideThrottle(previous, signals, limits, measured, cap, t1);
      expect(decision.effectiveRate).to.be.at.least(0).and.at.most(cap);
    }));
  });

  it('property: an unhealthy round never raises the rate, and gives a reason and a start time', () => {
    fc.assert(fc.property(stateArb, signalsArb, measuredArb, capArb, (previous, signals, measured, cap) => {
      fc.pre(unhealthyReason(signals, limits) !== null);
      const decision = decideThrottle(previous, signals, limits, measured, cap, t1);
      if (previous.healthRate !== null) expect(decision.healthRate).to.be.at.most(previous.healthRate);
      expect(decision.healthRate === 0 || (decision.healthRate as number) >= limits.minRate, 'held or at least the minimum').to.equal(true);
      expect(decision.reason).to.equal(unhealthyReason(signals, limits));
      expect(decision.since).to.be.a('string');
      expect(decision.healthyRounds).to.equal(0);
    }));
  });

  it('property: a healthy round raises the rate at most ×2 (from held: to the minimum), or lifts it only far above what the fleet does', () => {
    fc.assert(fc.property(stateArb, measuredArb, capArb, (previous, measured, cap) => {
      const decision = decideThrottle(previous, healthy, limits, measured, cap, t1);
      if (previous.healthRate === null) {
        expect(decision.healthRate).to.equal(null);
        return;
      }
      if (decision.healthRate === null) {
        expect(previous.healthRate * 2, 'lifted only past 4 × the measured rate').to.be.above(Math.max(measured, limits.minRate) * 4);
        return;
      }
      const ceiling = previous.healthRate === 0 ? limits.minRate : previous.healthRate * 2;
      expect(decision.healthRate).to.be.at.least(previous.healthRate).and.at.most(ceiling);
    }));
  });

  it('property: from any state, healthy rounds end every health limit within a bounded number of rounds', () => {
    fc.assert(fc.property(stateArb, fc.integer({ min: 0, max: 100_000 }), (start, measured) => {
      let state = start;
      let rounds = 0;
      while (state.healthRate !== null) {
        state = decideThrottle(state, healthy, limits, measured, null, t1);
        rounds++;
        expect(rounds, 'recovery ends').to.be.below(100);
      }
      expect(decideThrottle(state, healthy, limits, measured, null, t1).effectiveRate).to.equal(-1);
    }));
  });
});
