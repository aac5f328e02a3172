import { expect } from 'chai';
import fc from 'fast-check';
import { adaptRangeSize } from '../../src/producer/adaptRangeSize.js';

describe('adaptRangeSize (toward a target range duration)', () => {
  const bounds = { targetMs: 2000, min: 100, max: 50_000 };

  it('grows fast ranges and shrinks slow ones, at most ×2 or ÷2 a step', () => {
    expect(adaptRangeSize(2000, [500, 500, 500], bounds)).to.equal(4000);
    expect(adaptRangeSize(2000, [1000, 1000, 1000], bounds)).to.equal(4000);
    expect(adaptRangeSize(2000, [4000, 4000, 4000], bounds)).to.equal(1000);
    expect(adaptRangeSize(2000, [60_000, 60_000, 60_000], bounds)).to.equal(1000);
  });

  it('keeps the size near the target, with too few samples, and within bounds', () => {
    expect(adaptRangeSize(2000, [1950, 2050, 2000], bounds)).to.equal(2000);
    expect(adaptRangeSize(2000, [100, 100], bounds)).to.equal(2000);
    expect(adaptRangeSize(40_000, [10, 10, 10], bounds)).to.equal(50_000);
    expect(adaptRangeSize(150, [90_000, 90_000, 90_000], bounds)).to.equal(100);
  });

  it('goes by the median, so one range stuck behind a lock does not shrink the rest', () => {
    expect(adaptRangeSize(2000, [2000, 2000, 120_000], bounds)).to.equal(2000);
  });

  it('always stays within bounds and within a factor of two', () => {
    fc.assert(fc.property(fc.integer({ min: 100, max: 50_000 }), fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 3, maxLength: 20 }), (size, durations) => {
      const next = adaptRangeSize(size, durations, bounds);
      expect(next).to.be.within(100, 50_000);
      expect(next).to.be.within(Math.min(size, Math.floor(size / 2)), Math.max(size, size * 2));
    }));
  });
});
