import type pg from 'pg';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { finishJobIfDone } from '../shared/ledger/jobs.js';
import type { Logger } from '../shared/logger.js';
import type { RangeObserver } from '../shared/metrics/rangeObserver.js';
import type { RangeMessage } from '../shared/rangeMessage.js';
import type { Verdict } from './verdict.js';

export interface ReportDeps {
  pool: pg.Pool;
  coordinator: Coordinator;
  logger: Logger;
  metrics?: RangeObserver;
}

/** When the pass's steps happened (performance.now()): the range started, the settlement began and ended. */
export interface PassTimes {
  started?: number;
  settling: number;
  settled: number;
}

/** Say before settling what is about to be done with the delivery (the give-back of a failed handling is logged by settle). */
export function logVerdict(logger: Logger, message: RangeMessage | undefined, verdict: Verdict): void {
  const range = message && { jobId: message.jobId, rangeId: message.rangeId };
  switch (verdict.kind) {
    case 'skip':
      if (verdict.why === 'range-failed') logger.info(range, 'dropping a copy of a range that is failed in the ledger');
      if (verdict.why === 'job-stopped') logger.info({ ...range, state: verdict.jobState }, 'dropping a range of a stopped job');
      if (verdict.why === 'cancelled-mid-range') logger.info({ ...range, state: verdict.jobState }, 'range stopped: its job is being cancelled');
      return;
    case 'retry':
      logger.warn({ ...range, attempt: verdict.attempt, reason: verdict.reason, transient: verdict.transient }, 'range failed; retrying after backoff');
      return;
    case 'dead':
      if (verdict.cause === 'malformed') logger.warn({ reason: verdict.reason }, 'dead-lettering a malformed message');
      else logger.warn({ ...range, attempt: verdict.attempt, reason: verdict.reason }, 'dead-lettering a message the ledger does not vouch for');
      return;
    case 'fail':
      logger.error({ ...range, attempts: verdict.attempts, reason: verdict.reason }, 'range used its attempts; marking it failed and dead-lettering it');
      return;
    case 'done':
    case 'give-back':
      return;
  }
}

/**
 * After the delivery was settled as its verdict says: metrics, then the live counters. Redis is a cache: a failed
 * report is logged and later rebuilt from the ledger, never fatal. The job is closed here when its last range ended.
 */
export async function reportSettled(deps: ReportDeps, message: RangeMessage | undefined, verdict: Verdict, times: PassTimes): Promise<void> {
  const { metrics } = deps;
  const seconds = times.started === undefined ? 0 : (times.settled - times.started) / 1000;
  if (verdict.kind === 'dead' && verdict.cause === 'malformed') metrics?.malformed();
  if (!message) return;
  const jobId = message.jobId;
  switch (verdict.kind) {
    case 'done': {
      const { outcome } = verdict;
      // Phases are timed for converted ranges only, like read … commit, so every phase counts the same ranges.
      metrics?.phase('ack', times.settled - times.settling);
      metrics?.handled(jobId, outcome, seconds);
      await safely(deps, () => deps.coordinator.recordRange(jobId, { rangeId: message.rangeId, outcome: 'done', ...outcome }));
      await safely(deps, () => deps.coordinator.recordErrors(jobId, outcome.errors));
      await safely(deps, () => finishJobIfDone(deps.pool, jobId));
      metrics?.phase('report', performance.now() - times.settled);
      return;
    }
    case 'skip':
      if (verdict.why === 'already-done') metrics?.handled(jobId, { kind: 'already-done' }, seconds);
      if (verdict.why === 'job-stopped') metrics?.handled(jobId, { kind: 'job-stopped' }, seconds);
      return;
    case 'retry':
      metrics?.failed(jobId, 'retried');
      return;
    case 'dead':
      if (verdict.cause === 'rejected') metrics?.failed(jobId, 'rejected');
      return;
    case 'fail':
      metrics?.failed(jobId, 'failed');
      await safely(deps, () => deps.coordinator.recordRange(jobId, { rangeId: message.rangeId, outcome: 'failed', converted: 0, failed: 0, skipped: 0 }));
      await safely(deps, () => finishJobIfDone(deps.pool, jobId));
      return;
    case 'give-back':
      return;
  }
}

async function safely(deps: ReportDeps, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    deps.logger.warn({ err }, 'reporting step failed (the ledger is the truth; counters are rebuilt from it)');
  }
}
