import type { Logger } from '../shared/logger.js';
import type { Delivery } from './delivery.js';
import { HANDLING_FAILED_DELAY_MS, type Verdict } from './verdict.js';

export interface SettleDeps {
  logger: Logger;
  /** True once the consumer drains: a delivery given back then goes back at once. */
  stopping: () => boolean;
  /** Mark the delivery's range failed in the ledger (its attempts used up). */
  markFailed: (attempts: number, reason: string) => Promise<void>;
  /** The range in hand, for the log ("jobId:rangeId", or "malformed"). */
  range: string;
}

/**
 * The one place where a delivery leaves this consumer's hands. Returns true when the verdict was carried out;
 * false when carrying it out failed (the ledger unreachable while marking a range failed, a copy the broker
 * did not confirm) and the delivery was given back instead, so the broker delivers it again and this consumer's
 * prefetch slot frees up. Giving back spends no attempt: the ledger counts starts, not deliveries.
 * Either way the delivery is settled when this returns.
 */
export async function settle(delivery: Delivery, verdict: Verdict, deps: SettleDeps): Promise<boolean> {
  try {
    await carryOut(delivery, verdict, deps);
    return true;
  } catch (err) {
    deps.logger.error({ err, range: deps.range }, 'delivery handling failed');
    if (!delivery.settled) await giveBack(delivery, { kind: 'give-back', why: 'handling-failed', delayMs: HANDLING_FAILED_DELAY_MS }, deps);
    return false;
  }
}

async function carryOut(delivery: Delivery, verdict: Verdict, deps: SettleDeps): Promise<void> {
  switch (verdict.kind) {
    case 'done':
    case 'skip':
      delivery.ack();
      return;
    case 'retry':
      // The original is acked only after the broker confirmed the copy: a crash in between gives a duplicate, never a loss.
      await delivery.retry(verdict.attempt, verdict.reason);
      return;
    case 'dead':
      await delivery.deadLetter(verdict.reason);
      return;
    case 'fail':
      // The ledger first: a crash before the dead letter leaves a failed range whose redelivery is dropped.
      await deps.markFailed(verdict.attempts, verdict.reason);
      await delivery.deadLetter(verdict.reason);
      return;
    case 'give-back':
      await giveBack(delivery, verdict, deps);
      return;
  }
}

async function giveBack(delivery: Delivery, verdict: Extract<Verdict, { kind: 'give-back' }>, deps: SettleDeps): Promise<void> {
  if (verdict.why === 'handling-failed') {
    deps.logger.warn({ range: deps.range }, 'the delivery was not settled: giving it back to the queue, the broker redelivers it');
  }
  if (verdict.delayMs > 0 && !deps.stopping()) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
  delivery.requeue();
}
