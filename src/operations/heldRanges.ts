import type { Channel, GetMessage } from 'amqplib';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import type { FleetNames } from '../shared/names.js';
import { parseRangeMessage } from '../shared/rangeMessage.js';

/**
 * Which ranges of ONE job still have a message somewhere: in the broker's work or retry queues, or in the
 * hands of a live consumer. Memory holds only this job's range keys (at most its messages in the broker,
 * which paced planning keeps near BACKFILL_PLANNING_WINDOW); other jobs' messages are looked at and given back.
 */
export interface HeldRanges {
  /** A message with exactly these bounds is in a queue (a message with other bounds is no copy of the range). */
  inBroker(range: { rangeId: number; startId: number; endId: number }): boolean;
  /** A live consumer's heartbeat lists the range as in hand. */
  inHand(rangeId: number): boolean;
  /** How many of the job's messages the broker holds. */
  readonly brokerCount: number;
  readonly inHandCount: number;
}

export interface HeldRangesDeps {
  coordinator: Coordinator;
  names: FleetNames;
  /** A channel that holds no deliveries of its own: every message taken here is given back on it. */
  inspect: Channel;
  heartbeatTtlSeconds: number;
}

export async function heldRangesOf(deps: HeldRangesDeps, jobId: number): Promise<HeldRanges> {
  // Heartbeats before AND after the scan: a delivery a consumer takes or gives back while the queues are read
  // is then seen in one place or the other. What still slips through is republished — a harmless duplicate.
  const hands = await rangesInHand(deps, jobId);
  const broker = await rangesInQueues(deps, jobId);
  for (const rangeId of await rangesInHand(deps, jobId)) hands.add(rangeId);
  return {
    inBroker: (r) => broker.has(brokerKey(r.rangeId, r.startId, r.endId)),
    inHand: (rangeId) => hands.has(rangeId),
    brokerCount: broker.size,
    inHandCount: hands.size,
  };
}

function brokerKey(rangeId: number, startId: number, endId: number): string {
  return `${rangeId}:${startId}:${endId}`;
}

async function rangesInHand(deps: HeldRangesDeps, jobId: number): Promise<Set<number>> {
  const held = new Set<number>();
  for (const consumer of await deps.coordinator.consumers(deps.heartbeatTtlSeconds)) {
    if (!consumer.alive) continue;
    for (const entry of consumer.currentRanges) {
      const [job, range] = entry.split(':').map(Number);
      if (job === jobId && Number.isInteger(range)) held.add(range as number);
    }
  }
  return held;
}

/**
 * Read the message bodies with basic.get (manual ack) and give every one back at the end. Taken messages stay
 * unacked on our channel, so each is read once while consumers keep consuming the rest; if we die half-way
 * the broker requeues them when the channel closes. Each queue is read at most as deep as it was when we began:
 * what arrives after was published after the ledger was read, or comes back from a consumer (seen in hand).
 */
async function rangesInQueues(deps: HeldRangesDeps, jobId: number): Promise<Set<string>> {
  const { inspect: channel, names } = deps;
  const found = new Set<string>();
  // Every retry queue, whatever BACKFILL_MAX_ATTEMPTS is here (a replica with more attempts fills the later ones).
  // Not read: an earlier version's retry queues, which may not exist (a passive declare of a missing queue would
  // close the channel). A range whose message waits there looks missing and is republished: a duplicate the
  // consumers' ledger check makes harmless.
  const queues = [names.workQueue, ...names.retryQueues];
  let last: GetMessage | undefined;
  try {
    for (const queue of queues) {
      const { messageCount } = await channel.checkQueue(queue);
      for (let read = 0; read < messageCount; read++) {
        const message = await channel.get(queue, { noAck: false });
        if (!message) break;
        last = message;
        const parsed = parseRangeMessage(message.content);
        if (parsed.ok && parsed.message.jobId === jobId) found.add(brokerKey(parsed.message.rangeId, parsed.message.startId, parsed.message.endId));
      }
    }
  } finally {
    // allUpTo: every delivery this channel still holds goes back, in one frame, without keeping them in memory.
    // A channel that closed has given them back already.
    if (last) try { channel.nack(last, true, true); } catch { /* closed: the broker requeued them */ }
  }
  return found;
}
