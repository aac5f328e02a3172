import { PermanentError, errorMessage } from '../shared/errors.js';
import type { RangeClaim } from '../shared/ledger/ranges.js';
import { verdictFor } from './jobStateWatcher.js';
import { isTransientDatabaseError } from './pgErrors.js';
import type { RangeOutcome } from './processRange.js';

export type DoneOutcome = Extract<RangeOutcome, { kind: 'done' }>;

/**
 * How a delivery is settled: every pass over a delivery ends in exactly one of these, and settle() is the
 * only code that acts on the broker for it.
 */
export type Verdict =
  /** Converted and committed: ack, then report the range's totals. */
  | { kind: 'done'; outcome: DoneOutcome }
  /** Nothing to write (or nothing more): ack and forget. */
  | { kind: 'skip'; why: 'already-done' }
  | { kind: 'skip'; why: 'job-stopped'; jobState: string }
  /** A copy of a range that used its attempts: it stays failed, with its reason, until `retry-failed` reopens it. */
  | { kind: 'skip'; why: 'range-failed' }
  /** The job was cancelled while its range was held, unstarted. */
  | { kind: 'skip'; why: 'cancelled-while-held' }
  /** The range's transaction failed because its job is being stopped (`cancel --force` cancels its statements). */
  | { kind: 'skip'; why: 'cancelled-mid-range'; jobState: string }
  /** Failed, attempts left: a confirmed copy to the retry queue of this attempt (its TTL is the backoff), then ack. */
  | { kind: 'retry'; attempt: number; reason: string; transient: boolean }
  /** Never valid: parked in the dead-letter queue with the reason, the range's ledger untouched. */
  | { kind: 'dead'; cause: 'malformed'; reason: string }
  | { kind: 'dead'; cause: 'rejected'; reason: string; attempt: number }
  /** Used its attempts: failed in the ledger first, then dead-lettered, then reported. */
  | { kind: 'fail'; attempts: number; reason: string }
  /** Not finished here: back to the queue, after `delayMs` unless the consumer is stopping. Spends no attempt. */
  | { kind: 'give-back'; why: 'shutdown' | 'held-too-long' | 'handling-failed'; delayMs: number };

/** The job is paused: go back to the gate and hold the delivery there. Not a settlement. */
export interface Hold { kind: 'hold'; jobState: string }

/** The ledger counted this start: run the range. */
export interface Run { kind: 'run'; attempt: number }

/** A delivery whose handling failed before it was settled is given back after this pause (no hot loop while a service is down). */
export const HANDLING_FAILED_DELAY_MS = 1000;

export function malformed(reason: string): Verdict {
  return { kind: 'dead', cause: 'malformed', reason };
}

/** What the ledger's count of this start says: run it, hold it, or settle it without running it. */
export function verdictOfClaim(claim: RangeClaim | undefined, maxAttempts: number): Verdict | Hold | Run {
  if (claim && claim.attempts === null && verdictFor(claim.jobState) === 'wait') return { kind: 'hold', jobState: claim.jobState };
  // Running a failed range here would go round the retry queues uncounted.
  if (claim?.rangeState === 'failed') return { kind: 'skip', why: 'range-failed' };
  if (claim?.attempts != null && claim.attempts > maxAttempts) {
    return { kind: 'fail', attempts: claim.attempts - 1, reason: exhaustedReason(claim) };
  }
  // Not counted: unknown or stale (processRange rejects it), done, or its job stopped (processRange says so).
  return { kind: 'run', attempt: claim?.attempts ?? 1 };
}

/** What the range's transaction returned. */
export function verdictOfOutcome(outcome: RangeOutcome): Verdict | Hold {
  switch (outcome.kind) {
    case 'done': return { kind: 'done', outcome };
    case 'already-done': return { kind: 'skip', why: 'already-done' };
    case 'job-stopped': return { kind: 'skip', why: 'job-stopped', jobState: outcome.jobState };
    case 'job-paused': return { kind: 'hold', jobState: 'paused' };
  }
}

/** The range's transaction threw `err` on this attempt; `jobState` is the job's state read afterwards (undefined: unknown). */
export function verdictOfFailure(err: unknown, jobState: string | undefined, attempt: number, maxAttempts: number): Verdict {
  if (jobState !== undefined && verdictFor(jobState) === 'drop') return { kind: 'skip', why: 'cancelled-mid-range', jobState };
  if (err instanceof PermanentError) return { kind: 'dead', cause: 'rejected', reason: `${err.code}: ${err.message}`, attempt };
  const reason = errorMessage(err);
  if (attempt < maxAttempts) return { kind: 'retry', attempt, reason, transient: isTransientDatabaseError(err) };
  return { kind: 'fail', attempts: attempt, reason: `attempts exhausted: ${reason}` };
}

/** Why a range that was started more times than it has attempts is failed without starting it again. */
function exhaustedReason(claim: RangeClaim): string {
  const starts = (claim.attempts ?? 1) - 1;
  return `attempts exhausted: started ${starts} time(s) without finishing (its consumer stopped, was killed or lost `
    + `the database inside it)${claim.lastError ? `; last error: ${claim.lastError}` : ''}`;
}
