import { expect } from 'chai';
import fc from 'fast-check';
import { sampledBatchOffsets } from '../../tools/bench/rowByRow.js';

describe('sampledBatchOffsets (the row-by-row bench on a sample)', () => {
  it('takes every batch when the sample covers the table', () => {
    expect(sampledBatchOffsets(3500, 3500, 1000)).to.deep.equal([0, 1000, 2000, 3000]);
    expect(sampledBatchOffsets(3500, 10_000, 1000)).to.deep.equal([0, 1000, 2000, 3000]);
  });

  it('spreads a sample over the whole table, first and last batch included', () => {
    expect(sampledBatchOffsets(1_000_000, 5000, 1000)).to.deep.equal([0, 250_000, 500_000, 749_000, 999_000]);
  });

  it('takes one batch for a tiny sample and none of an empty table', () => {
    expect(sampledBatchOffsets(1_000_000, 1, 1000)).to.deep.equal([0]);
    expect(sampledBatchOffsets(0, 1000, 1000)).to.deep.equal([]);
  });

  it('gives distinct, increasing, batch-aligned offsets inside the table, as many as the sample asks', () => {
    // The sample is drawn as a number of batches (up to 300) so that a run checks a few hundred offsets, not millions.
    fc.assert(fc.property(fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 0, max: 4999 }), (tracks, batches, batch, short) => {
        const sample = Math.max(1, batches * batch - (short % batch));
        const offsets = sampledBatchOffsets(tracks, sample, batch);
        const all = Math.ceil(tracks / batch);
        expect(offsets.length).to.equal(Math.min(all, Math.ceil(sample / batch)));
        expect(offsets[0]).to.equal(0);
        if (offsets.length > 1) expect(offsets[offsets.length - 1]).to.equal((all - 1) * batch);
        offsets.forEach((o, i) => {
          expect(o % batch).to.equal(0);
          expect(o).to.be.below(tracks);
          if (i > 0) expect(o).to.be.above(offsets[i - 1] as number);
        });
      }));
  });
});
