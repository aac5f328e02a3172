import { expect } from 'chai';
import { rowByRowSampleNote } from '../../tools/bench/report.js';

describe('bench report: the row-by-row sample note', () => {
  it('warns that the ratio is low when row-by-row ran on a sample', () => {
    const note = rowByRowSampleNote([{ key: 'fleet', tracks: 1_000_000 }, { key: 'row-by-row', tracks: 50_000 }], 1_000_000);
    expect(note).to.have.length(1);
    expect(note[0]).to.contain('50000 of 1000000 tracks').and.contain('--row-by-row-sample 1000000');
  });

  it('says nothing when row-by-row walked the whole table, or did not run', () => {
    expect(rowByRowSampleNote([{ key: 'row-by-row', tracks: 200_000 }], 200_000)).to.deep.equal([]);
    expect(rowByRowSampleNote([{ key: 'fleet', tracks: 200_000 }], 200_000)).to.deep.equal([]);
  });
});
