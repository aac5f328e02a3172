import { expect } from 'chai';
import fc from 'fast-check';
import { planRanges } from '../../src/producer/planRanges.js';

describe('planRanges (pure range planning)', () => {
  it('tiles the id space: each range starts right after the previous one', () => {
    const { ranges, cursor } = planRanges([{ lastId: 120, rows: 100 }, { lastId: 260, rows: 100 }, { lastId: 300, rows: 17 }],
      { nextStartId: 5, nextRangeId: 1 });
    expect(ranges).to.deep.equal([
      { rangeId: 1, startId: 5, endId: 120, plannedRows: 100 },
      { rangeId: 2, startId: 121, endId: 260, plannedRows: 100 },
      { rangeId: 3, startId: 261, endId: 300, plannedRows: 17 },
    ]);
    expect(cursor).to.deep.equal({ nextStartId: 301, nextRangeId: 4 });
  });

  it('continues from a cursor, so chunk after chunk gives the same plan as one big chunk', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 39 }), (gaps, cut) => {
      let id = 0;
      const buckets = gaps.map((g) => ({ lastId: (id += g), rows: g }));
      const whole = planRanges(buckets, { nextStartId: 1, nextRangeId: 1 });
      const first = planRanges(buckets.slice(0, cut), { nextStartId: 1, nextRangeId: 1 });
      const second = planRanges(buckets.slice(cut), first.cursor);
      expect([...first.ranges, ...second.ranges]).to.deep.equal(whole.ranges);
    }));
  });

  it('on the last chunk, stretches the last range to the job\'s max id so the ranges cover the bounds', () => {
    expect(planRanges([{ lastId: 120, rows: 100 }], { nextStartId: 5, nextRangeId: 1 }, 150)).to.deep.equal({
      ranges: [{ rangeId: 1, startId: 5, endId: 150, plannedRows: 100 }], cursor: { nextStartId: 151, nextRangeId: 2 } });
  });

  it('on a last chunk with no bucket left, plans one range of no rows up to the job\'s max id', () => {
    expect(planRanges([], { nextStartId: 121, nextRangeId: 4 }, 150)).to.deep.equal({
      ranges: [{ rangeId: 4, startId: 121, endId: 150, plannedRows: 0 }], cursor: { nextStartId: 151, nextRangeId: 5 } });
    expect(planRanges([], { nextStartId: 151, nextRangeId: 5 }, 150).ranges).to.deep.equal([]);
  });

  it('plans nothing for no buckets and keeps the cursor', () => {
    expect(planRanges([], { nextStartId: 7, nextRangeId: 3 })).to.deep.equal({ ranges: [], cursor: { nextStartId: 7, nextRangeId: 3 } });
  });
});
