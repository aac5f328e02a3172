import { expect } from 'chai';
import { PermanentError } from '../../src/shared/errors.js';
import type { RangeClaim } from '../../src/shared/ledger/ranges.js';
import { verdictOfClaim, verdictOfFailure, verdictOfOutcome, type DoneOutcome } from '../../src/consumers/verdict.js';

describe('a delivery\'s verdict', () => {
  const claim = (over: Partial<RangeClaim>): RangeClaim => ({ rangeState: 'published', jobState: 'running', attempts: 1, lastError: null, ...over });

  describe('from the ledger\'s count of the start', () => {
    it('runs a counted start with its attempt number', () => {
      expect(verdictOfClaim(claim({ attempts: 2 }), 3)).to.deep.equal({ kind: 'run', attempt: 2 });
    });

    it('runs an uncounted delivery as attempt 1: unknown range, done range or stopped job are for the transaction to say', () => {
      expect(verdictOfClaim(undefined, 3)).to.deep.equal({ kind: 'run', attempt: 1 });
      expect(verdictOfClaim(claim({ rangeState: 'done', attempts: null }), 3)).to.deep.equal({ kind: 'run', attempt: 1 });
      expect(verdictOfClaim(claim({ jobState: 'cancelling', attempts: null }), 3)).to.deep.equal({ kind: 'run', attempt: 1 });
    });

    it('holds a range whose job is paused (no attempt spent)', () => {
      expect(verdictOfClaim(claim({ jobState: 'paused', attempts: null }), 3)).to.deep.equal({ kind: 'hold', jobState: 'paused' });
    });

    it('drops a copy of a range failed in the ledger', () => {
      expect(verdictOfClaim(claim({ rangeState: 'failed', attempts: null }), 3)).to.deep.equal({ kind: 'skip', why: 'range-failed' });
    });

    it('fails a range started more times than it has attempts, without starting it, with the starts and last error', () => {
      const verdict = verdictOfClaim(claim({ attempts: 4, lastError: 'boom' }), 3);
      expect(verdict).to.include({ kind: 'fail', attempts: 3 });
      expect(verdict).to.have.property('reason').that.matches(/^attempts exhausted: started 3 time\(s\).*last error: boom$/);
    });

    it('runs the last attempt', () => {
      expect(verdictOfClaim(claim({ attempts: 3 }), 3)).to.deep.equal({ kind: 'run', attempt: 3 });
    });
  });

  describe('from what the range\'s transaction returned', () => {
    it('settles each outcome', () => {
      const done: DoneOutcome = { kind: 'done', converted: 1, failed: 0, skipped: 0, durationMs: 5, errors: [] };
      expect(verdictOfOutcome(done)).to.deep.equal({ kind: 'done', outcome: done });
      expect(verdictOfOutcome({ kind: 'already-done' })).to.deep.equal({ kind: 'skip', why: 'already-done' });
      expect(verdictOfOutcome({ kind: 'job-stopped', jobState: 'cancelled' })).to.deep.equal({ kind: 'skip', why: 'job-stopped', jobState: 'cancelled' });
      expect(verdictOfOutcome({ kind: 'job-paused' })).to.deep.equal({ kind: 'hold', jobState: 'paused' });
    });
  });

  describe('from a failed transaction', () => {
    const transient = Object.assign(new Error('deadlock detected'), { code: '40P01' });

    it('retries while attempts are left, saying whether the error is transient', () => {
      expect(verdictOfFailure(transient, 'running', 1, 3)).to.deep.equal({ kind: 'retry', attempt: 1, reason: 'deadlock detected', transient: true });
      expect(verdictOfFailure(new Error('odd'), 'running', 2, 3)).to.include({ kind: 'retry', transient: false });
    });

    it('fails the range on its last attempt', () => {
      expect(verdictOfFailure(transient, 'running', 3, 3)).to.deep.equal({ kind: 'fail', attempts: 3, reason: 'attempts exhausted: deadlock detected' });
    });

    it('dead-letters what the ledger does not vouch for, whatever the attempt', () => {
      const forged = new PermanentError('unknown_range', 'job 9 has no range 1');
      expect(verdictOfFailure(forged, 'running', 3, 3)).to.deep.equal(
        { kind: 'dead', cause: 'rejected', reason: 'unknown_range: job 9 has no range 1', attempt: 3 });
    });

    it('drops the range when its job is being stopped, before any other reading of the error', () => {
      for (const state of ['cancelling', 'cancelled', 'rolling_back', 'rolled_back']) {
        expect(verdictOfFailure(transient, state, 3, 3)).to.deep.equal({ kind: 'skip', why: 'cancelled-mid-range', jobState: state });
      }
    });

    it('decides as for a running job when the job\'s state could not be read', () => {
      expect(verdictOfFailure(transient, undefined, 1, 3)).to.include({ kind: 'retry' });
    });
  });
});
