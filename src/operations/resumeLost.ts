import type pg from 'pg';
import type { RangePublisher } from '../shared/amqp/rangePublisher.js';
import { syncCountersFromLedger } from '../shared/coordinator/syncFromLedger.js';
import { rangesInStates, type PlannedRange } from '../shared/ledger/ranges.js';
import { OPEN_RANGE_STATES } from '../shared/ledger/states.js';
import { heldRangesOf, type HeldRangesDeps } from './heldRanges.js';

export interface ResumeLostDeps extends HeldRangesDeps {
  pool: pg.Pool;
  /** A confirm channel: republished ranges count as published only once the broker confirmed them. */
  publisher: RangePublisher;
}

export interface ResumeLostReport {
  jobId: number;
  openRanges: number;
  /** The job's messages the broker holds (work + retry queues). */
  messagesHeld: number;
  /** The job's ranges live consumers have in hand. */
  inHand: number;
  republished: number;
  countersRebuilt: number;
}

const PAGE = 500;

/**
 * After RabbitMQ lost messages (restarted without them, queue purged) or Redis lost keys: republish every
 * open range of the job (pending or published in the ledger) that has no message anywhere — not in the work
 * or retry queues, not in a live consumer's hands — and bring the counters back to the ledger's numbers.
 * Decided range by range for this job alone, without slack: when a race makes a range look missing it is
 * republished, and the consumers' ledger check makes that duplicate harmless — never the other way round.
 */
export async function resumeLost(deps: ResumeLostDeps, jobId: number): Promise<ResumeLostReport> {
  const held = await heldRangesOf(deps, jobId);
  // The ledger is read after the broker: a range that finished meanwhile is done here and not republished.
  let openRanges = 0;
  let republished = 0;
  let after = 0;
  for (;;) {
    const page = await rangesInStates(deps.pool, jobId, OPEN_RANGE_STATES, after, PAGE);
    if (page.length === 0) break;
    openRanges += page.length;
    const missing = page.filter((r: PlannedRange) => !held.inBroker(r) && !held.inHand(r.rangeId));
    await deps.publisher.publish(jobId, missing, 1);
    republished += missing.length;
    after = (page[page.length - 1] as PlannedRange).rangeId;
  }
  const countersRebuilt = await syncCountersFromLedger(deps.pool, deps.coordinator, jobId);
  return { jobId, openRanges, messagesHeld: held.brokerCount, inHand: held.inHandCount, republished, countersRebuilt };
}
