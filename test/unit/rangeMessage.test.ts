import { expect } from 'chai';
import { encodeRangeMessage, parseRangeMessage } from '../../src/shared/rangeMessage.js';

describe('range message contract', () => {
  const good = { v: 1, jobId: 3, rangeId: 7, startId: 100, endId: 200 } as const;

  it('round-trips a valid message', () => {
    expect(parseRangeMessage(encodeRangeMessage(good))).to.deep.equal({ ok: true, message: good });
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', 'nope', /not JSON/],
    ['an array', '[1,2]', /malformed/],
    ['a wrong version', JSON.stringify({ ...good, v: 2 }), /v:/],
    ['an extra field', JSON.stringify({ ...good, sql: 'DROP TABLE tracks' }), /unrecognized|sql/i],
    ['a string id', JSON.stringify({ ...good, jobId: '3' }), /jobId/],
    ['a negative id', JSON.stringify({ ...good, startId: -1 }), /startId/],
    ['a huge id', JSON.stringify({ ...good, endId: 2 ** 40 }), /endId/],
    ['a fractional id', JSON.stringify({ ...good, rangeId: 1.5 }), /rangeId/],
    ['start after end', JSON.stringify({ ...good, startId: 300 }), /startId must not exceed endId/],
    ['a missing field', JSON.stringify({ v: 1, jobId: 3, rangeId: 7, startId: 1 }), /endId/],
  ];
  for (const [what, body, reason] of bad) {
    it(`rejects ${what} with a reason`, () => {
      const parsed = parseRangeMessage(Buffer.from(body));
      expect(parsed.ok).to.equal(false);
      if (!parsed.ok) expect(parsed.reason).to.match(reason);
    });
  }

  it('rejects an oversized body without parsing it', () => {
    const parsed = parseRangeMessage(Buffer.alloc(1_000_000, 0x20));
    expect(parsed).to.deep.equal({ ok: false, reason: 'oversized: 1000000 bytes' });
  });
});
