import type { Coordinator } from '../shared/coordinator/coordinator.js';
import type { Logger } from '../shared/logger.js';
import type { RangeMessage } from '../shared/rangeMessage.js';
import { verdictFor, type JobStateWatcher } from './jobStateWatcher.js';
import type { Verdict } from './verdict.js';

export interface GateDeps {
  watcher: JobStateWatcher;
  coordinator: Coordinator;
  logger: Logger;
  /** True once the consumer drains: a delivery waiting at the gate is given back. */
  stopping: () => boolean;
}

/**
 * What a range waits for before it may start: its job not paused, and its share of the job's fleet-wide rate
 * budget. Returns 'open' when it may start, otherwise the verdict that settles it without starting it.
 * A job known to be paused is not even opened; the ledger's count of the start catches the rest.
 */
export async function passGate(message: RangeMessage, deps: GateDeps): Promise<'open' | Verdict> {
  if (verdictFor(deps.watcher.known(message.jobId)) === 'wait') {
    const held = await holdWhilePaused(message, deps);
    if (held !== 'open') return held;
  }
  return obeyThrottle(message, deps);
}

/**
 * Keep a paused job's message in hand (unacked, so it is neither lost nor spun on: it holds a prefetch slot)
 * until the job may run again, is cancelled, or the consumer stops or held it long enough to risk RabbitMQ's
 * consumer timeout.
 */
async function holdWhilePaused(message: RangeMessage, deps: GateDeps): Promise<'open' | Verdict> {
  deps.logger.info({ jobId: message.jobId, rangeId: message.rangeId }, 'job paused: holding its range until it is resumed');
  const verdict = await deps.watcher.waitWhilePaused(message.jobId, deps.stopping);
  if (verdict === 'run') return 'open';
  if (verdict === 'drop') return { kind: 'skip', why: 'cancelled-while-held' };
  return { kind: 'give-back', why: deps.stopping() ? 'shutdown' : 'held-too-long', delayMs: 0 };
}

/** Take the range's share of the job's rate budget, waiting as the throttle says. Without Redis the fleet runs unthrottled. */
async function obeyThrottle(message: RangeMessage, deps: GateDeps): Promise<'open' | Verdict> {
  const cost = await deps.watcher.rangeSizeOf(message.jobId).catch(() => 1);
  for (;;) {
    let wait: number;
    try {
      wait = await deps.coordinator.acquireRate(message.jobId, cost);
    } catch {
      return 'open';
    }
    if (wait === 0) return 'open';
    if (deps.stopping()) return { kind: 'give-back', why: 'shutdown', delayMs: 0 };
    await new Promise((resolve) => setTimeout(resolve, wait < 0 ? 500 : Math.min(wait, 60_000)));
    if (wait > 0) return 'open';
  }
}
