import { expect } from 'chai';
import fc from 'fast-check';
import { estimateProgress, estimateRowsRemaining, type PlanningProgress } from '../../src/operations/status/eta.js';

/** A job over ids 1..100,000,000 with legacy data on 98 % of them, planned a window ahead of its consumers. */
const PACED: PlanningProgress = {
  enumerationComplete: false, minId: 1, maxId: 100_000_000,
  plannedThroughId: 400_000, plannedRows: 392_000, finishedRows: 196_000,
};

describe('progress and remaining rows while planning is paced', () => {
  it('counts the ids not planned yet at the density seen so far, not only the planned ranges', () => {
    const remaining = estimateRowsRemaining(PACED) as number;
    // 196,000 rows still open in planned ranges + 0.98 × 99,600,000 unplanned ids.
    expect(remaining).to.equal(196_000 + 97_608_000);
    // Ranges done over ranges planned would say 50 %; the job has done 0.2 % of its rows.
    expect(estimateProgress(PACED)).to.be.closeTo(196_000 / 98_000_000, 1e-9);
  });

  it('once enumeration is complete, counts exactly the rows of the open ranges', () => {
    const complete = { ...PACED, enumerationComplete: true, plannedThroughId: 100_000_000, plannedRows: 98_000_000, finishedRows: 49_000_000 };
    expect(estimateRowsRemaining(complete)).to.equal(49_000_000);
    expect(estimateProgress(complete)).to.equal(0.5);
  });

  it('says "unknown" before the first range is planned, and done for a job with nothing to convert', () => {
    const nothingPlanned = { ...PACED, plannedThroughId: null, plannedRows: 0, finishedRows: 0 };
    expect(estimateRowsRemaining(nothingPlanned)).to.equal(null);
    expect(estimateProgress(nothingPlanned)).to.equal(0);
    const empty: PlanningProgress = { enumerationComplete: true, minId: null, maxId: null, plannedThroughId: null, plannedRows: 0, finishedRows: 0 };
    expect(estimateRowsRemaining(empty)).to.equal(0);
    expect(estimateProgress(empty)).to.equal(1);
  });

  it('on a table of even density, the estimate is the truth and does not jump when planning completes', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 4 }),
      fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
      (minId, span, every, plannedShare, finishedShare) => {
        // Every `every`-th id has legacy data, planned through a whole number of such steps.
        const ids = span * every;
        const plannedThroughId = minId - 1 + Math.max(1, Math.floor(span * plannedShare)) * every;
        const plannedRows = (plannedThroughId - minId + 1) / every;
        const finishedRows = Math.floor(plannedRows * finishedShare);
        const paced = { enumerationComplete: false, minId, maxId: minId + ids - 1, plannedThroughId, plannedRows, finishedRows };
        expect(estimateRowsRemaining(paced)).to.equal(span - finishedRows);
        const whole = { ...paced, enumerationComplete: true, plannedThroughId: paced.maxId, plannedRows: span };
        expect(estimateProgress(paced)).to.be.closeTo(estimateProgress(whole), 1e-12);
      }));
  });
});
