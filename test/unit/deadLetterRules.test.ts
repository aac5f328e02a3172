import { expect } from 'chai';
import { describeDeadLetter, reasonOf, requeueVerdict, selectedBy } from '../../src/operations/deadLetterRules.js';
import type { LedgerRangeView } from '../../src/shared/ledger/rangeRequeue.js';
import { encodeRangeMessage } from '../../src/shared/rangeMessage.js';

const body = encodeRangeMessage({ v: 1, jobId: 7, rangeId: 3, startId: 100, endId: 199 });
const letter = describeDeadLetter(1, body, { 'x-attempt': 3, 'x-reason': 'attempts exhausted: deadlock detected' });
const ledger = (over: Partial<LedgerRangeView>): LedgerRangeView =>
  ({ jobId: 7, rangeId: 3, startId: 100, endId: 199, rangeState: 'published', jobState: 'running', ...over });

describe('dead letters: what they say and what requeue does with them', () => {
  it('reads the range, attempt, reason and time of a consumer\'s dead letter', () => {
    expect(describeDeadLetter(2, body, { 'x-attempt': 3, 'x-reason': 'boom', 'x-dead-lettered-at': '2026-01-01T00:00:00.000Z' })).to.deep.equal({
      position: 2, jobId: 7, rangeId: 3, startId: 100, endId: 199, attempt: 3, reason: 'boom', deadLetteredAt: '2026-01-01T00:00:00.000Z', malformed: null });
  });

  it('takes the reason from x-reason, else RabbitMQ\'s x-death, else the last error of a retry, else says there is none', () => {
    expect(reasonOf({ 'x-reason': Buffer.from('as bytes') })).to.equal('as bytes');
    expect(reasonOf({ 'x-death': [{ reason: 'rejected', queue: 'ns.backfill.ranges', count: 2, time: 1_700_000_000 }] }))
      .to.equal('rejected by RabbitMQ in queue ns.backfill.ranges (2 times)');
    expect(reasonOf({ 'x-last-error': 'timeout' })).to.equal('last error: timeout');
    expect(reasonOf(undefined)).to.equal('no reason recorded');
    expect(describeDeadLetter(1, body, { 'x-death': [{ reason: 'expired', queue: 'q', count: 1, time: 1_700_000_000 }] }).deadLetteredAt)
      .to.equal('2023-11-14T22:13:20.000Z');
  });

  it('a malformed body names no range, says why, and is selected only without --job', () => {
    const bad = describeDeadLetter(1, Buffer.from('nope'), { 'x-reason': 'malformed: not JSON' });
    expect(bad).to.include({ jobId: null, rangeId: null, malformed: 'malformed: not JSON' });
    expect(selectedBy(bad, undefined)).to.equal(true);
    expect(selectedBy(bad, 7)).to.equal(false);
    expect(selectedBy(letter, 7)).to.equal(true);
    expect(requeueVerdict(bad, undefined)).to.deep.equal({ action: 'drop', why: 'malformed' });
  });

  it('republishes only an open range of a job that is not stopped', () => {
    expect(requeueVerdict(letter, ledger({}))).to.deep.equal({ action: 'republish' });
    expect(requeueVerdict(letter, ledger({ rangeState: 'pending', jobState: 'paused' }))).to.deep.equal({ action: 'republish' });
    expect(requeueVerdict(letter, ledger({ rangeState: 'done' }))).to.deep.equal({ action: 'drop', why: 'range-done' });
    expect(requeueVerdict(letter, ledger({ rangeState: 'rolled_back', jobState: 'rolled_back' }))).to.deep.equal({ action: 'drop', why: 'job-stopped' });
    expect(requeueVerdict(letter, ledger({ rangeState: 'rolled_back', jobState: 'completed' }))).to.deep.equal({ action: 'drop', why: 'range-rolled-back' });
    for (const jobState of ['cancelling', 'cancelled', 'rolling_back'] as const) {
      expect(requeueVerdict(letter, ledger({ jobState }))).to.deep.equal({ action: 'drop', why: 'job-stopped' });
    }
    expect(requeueVerdict(letter, ledger({ rangeState: 'failed', jobState: 'failed' }))).to.deep.equal({ action: 'keep', why: 'range-failed' });
    expect(requeueVerdict(letter, ledger({ endId: 250 }))).to.deep.equal({ action: 'drop', why: 'bounds-differ' });
    expect(requeueVerdict(letter, undefined)).to.deep.equal({ action: 'drop', why: 'unknown-range' });
  });
});
