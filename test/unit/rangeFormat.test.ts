import { expect } from 'chai';
import { InvalidArgumentError } from 'commander';
import { errorCell, formatFailedRanges } from '../../src/cli/rangeFormat.js';
import { rangeStatesOption } from '../../src/cli/rangesCommand.js';

describe('failed ranges and range filters in the terminal', () => {
  const failed = (rangeId: number) => ({ rangeId, startId: rangeId * 10, endId: rangeId * 10 + 9, attempts: 3, lastError: 'deadlock detected', finishedAt: null });

  it('status lists the failed ranges it was given and points at backfill ranges for the rest', () => {
    expect(formatFailedRanges(4, [failed(1), failed(2)], 9)).to.deep.equal([
      '  failed range 1 (ids 10..19, 3 attempt(s)): deadlock detected',
      '  failed range 2 (ids 20..29, 3 attempt(s)): deadlock detected',
      '  … 7 more: backfill ranges 4 --state failed',
    ]);
    expect(formatFailedRanges(4, [failed(1)], 1)).to.have.length(1);
    expect(formatFailedRanges(4, [], 0)).to.deep.equal([]);
  });

  it('an error cell shows control characters escaped and is cut with "…"', () => {
    expect(errorCell('a\x1b[2Jb\nc')).to.equal('a\\x1b[2Jb\\x0ac');
    expect(errorCell('x'.repeat(150), 20)).to.equal(`${'x'.repeat(19)}…`);
    expect(errorCell(null)).to.equal('-');
  });

  it('--state takes range states, repeated or comma-separated, and refuses anything else', () => {
    expect(rangeStatesOption('failed, pending', rangeStatesOption('failed'))).to.deep.equal(['failed', 'pending']);
    expect(() => rangeStatesOption('failed,nope')).to.throw(InvalidArgumentError, 'pending, published, done, failed, rolled_back');
    expect(() => rangeStatesOption(',')).to.throw(InvalidArgumentError);
  });
});
