import type { Channel, GetMessage } from 'amqplib';
import type pg from 'pg';
import type { RangePublisher } from '../shared/amqp/rangePublisher.js';
import { errorCode } from '../shared/errors.js';
import { freshAttempts, ledgerRanges, type RangeKey } from '../shared/ledger/rangeRequeue.js';
import type { FleetNames } from '../shared/names.js';
import { DROP_REASONS, describeDeadLetter, requeueVerdict, selectedBy, type DeadLetter, type DropReason } from './deadLetterRules.js';

/**
 * `backfill dlq list|requeue|purge`: the dead-letter queue read through basic.get without ack.
 *
 * Why get-and-give-back and not a browsing consumer: the dead-letter queue is a classic queue, and classic
 * queues cannot be browsed (only streams can) — any consumer takes messages off the queue. So each message is
 * fetched unacked, held on this channel while the queue is read (so each is read once, and never twice in one
 * pass), and given back with one nack(requeue) at the end; RabbitMQ puts requeued messages of a classic queue
 * back at their old place, so order is kept. A reader that dies mid-way loses nothing either: the broker
 * requeues a closed channel's unacked messages. While they are held, the queue's depth reads lower.
 * A pass reads at most as deep as the queue was when it started: messages arriving meanwhile wait for the next.
 * Messages are held in memory for the pass (a range message is under 100 bytes).
 */

export interface DeadLetterQueue {
  /** A channel used for nothing else: a passive declare of a missing queue closes it. */
  channel: Channel;
  names: FleetNames;
}

/** The queue's depth; null when the queue does not exist (no fleet process of this namespace has declared it). */
export async function deadLetterDepth(dlq: DeadLetterQueue): Promise<number | null> {
  try {
    return (await dlq.channel.checkQueue(dlq.names.deadQueue)).messageCount;
  } catch (err) {
    if (errorCode(err) === '404') return null;
    throw err;
  }
}

interface Held {
  message: GetMessage;
  letter: DeadLetter;
  acked?: boolean;
}

/** Take a held message off the queue for good. */
function remove(dlq: DeadLetterQueue, held: Held): void {
  dlq.channel.ack(held.message);
  held.acked = true;
}

/** Read up to `depth` messages unacked; stop early once `enough` says so. The caller settles every one. */
async function readHeld(dlq: DeadLetterQueue, depth: number, enough: (held: Held[]) => boolean, into: Held[]): Promise<void> {
  for (let read = 0; read < depth && !enough(into); read++) {
    const message = await dlq.channel.get(dlq.names.deadQueue, { noAck: false });
    if (!message) return;
    into.push({ message, letter: describeDeadLetter(read + 1, message.content, message.properties.headers) });
  }
}

/**
 * Give back every held message not removed: one nack with allUpTo of the last one still unacked, which
 * requeues what is unacked on this channel at or below its tag (the acked ones are no longer outstanding;
 * naming an acked tag would be an error that closes the channel). Then one round trip on the channel: acks and
 * nacks have no reply, and amqplib may send a connection's Close ahead of them — RabbitMQ would then requeue
 * the acked messages too. The broker handles a channel's frames in order, so its answer means they were taken.
 */
async function settleHeld(dlq: DeadLetterQueue, held: readonly Held[]): Promise<void> {
  if (held.length === 0) return;
  const last = held.findLast((h) => !h.acked);
  try {
    if (last) dlq.channel.nack(last.message, true, true);
    await dlq.channel.checkQueue(dlq.names.deadQueue);
  } catch {
    // The channel is closing: the broker requeues its unacked messages by itself.
  }
}

export interface DeadLetterListing {
  /** Messages in the queue; null when the queue does not exist. */
  depth: number | null;
  letters: DeadLetter[];
}

/** `dlq list`: the first `limit` dead letters (of `jobId`, when given); every message stays in the queue. */
export async function listDeadLetters(dlq: DeadLetterQueue, options: { jobId?: number; limit: number }): Promise<DeadLetterListing> {
  const depth = await deadLetterDepth(dlq);
  if (depth === null) return { depth, letters: [] };
  const held: Held[] = [];
  const selected = () => held.filter((h) => selectedBy(h.letter, options.jobId));
  try {
    await readHeld(dlq, depth, () => selected().length >= options.limit, held);
  } finally {
    await settleHeld(dlq, held);
  }
  return { depth, letters: selected().map((h) => h.letter) };
}

export interface RequeueReport {
  /** False for the preview: counts say what would be done. */
  applied: boolean;
  /** Dead letters the pass selected (of the job, with --job). */
  examined: number;
  /** Dead letters whose range went back to the work queue, and how many ranges that was (duplicates go once). */
  republished: number;
  rangesRepublished: number;
  /** Dead letters of failed ranges, left in the queue: `backfill retry-failed` reopens those. */
  keptFailed: number;
  /** The jobs of those failed ranges, for the hint. */
  keptFailedJobs: number[];
  dropped: number;
  droppedBy: Record<DropReason, number>;
}

export interface RequeueDeps {
  dlq: DeadLetterQueue;
  pool: pg.Pool;
  /** Publishes with confirms on a channel of its own (never the reading channel). */
  publisher: RangePublisher;
}

/**
 * `dlq requeue`: each selected dead letter is checked against the ledger (requeueVerdict); the open ranges get
 * fresh attempts and a new message, confirmed before any dead letter is acked (a crash between gives a duplicate
 * the consumers' ledger check makes harmless, never a loss); dead letters with nothing left to do are dropped;
 * those of failed ranges and of other jobs stay. Without `apply` nothing changes: the report is the preview.
 */
export async function requeueDeadLetters(deps: RequeueDeps, options: { jobId?: number; apply: boolean }): Promise<RequeueReport> {
  const report: RequeueReport = { applied: options.apply, examined: 0, republished: 0, rangesRepublished: 0, keptFailed: 0, keptFailedJobs: [], dropped: 0,
    droppedBy: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number> };
  const depth = await deadLetterDepth(deps.dlq);
  if (!depth) return report;
  const held: Held[] = [];
  try {
    await readHeld(deps.dlq, depth, () => false, held);
    const selected = held.filter((h) => selectedBy(h.letter, options.jobId));
    report.examined = selected.length;
    const ledger = new Map((await ledgerRanges(deps.pool, rangeKeys(selected))).map((r) => [keyOf(r), r]));
    const verdicts = selected.map((h) => ({ h, verdict: requeueVerdict(h.letter, ledger.get(keyOf(h.letter))) }));
    const toRepublish = verdicts.filter((v) => v.verdict.action === 'republish').map((v) => v.h);
    const republished = options.apply ? await republish(deps, toRepublish) : new Set(toRepublish.map((h) => keyOf(h.letter)));
    report.rangesRepublished = republished.size;
    for (const { h, verdict } of verdicts) {
      const why: DropReason | undefined = verdict.action === 'drop' ? verdict.why
        : verdict.action === 'republish' && !republished.has(keyOf(h.letter)) ? 'closed-meanwhile' : undefined;
      if (verdict.action === 'keep') {
        report.keptFailed++;
        if (!report.keptFailedJobs.includes(h.letter.jobId as number)) report.keptFailedJobs.push(h.letter.jobId as number);
      }
      else if (why) { report.dropped++; report.droppedBy[why]++; }
      else report.republished++;
      if (options.apply && verdict.action !== 'keep') remove(deps.dlq, h);
    }
  } finally {
    await settleHeld(deps.dlq, held);
  }
  return report;
}

/** Fresh attempts and a confirmed message for each open range, job by job; returns the keys republished. */
async function republish(deps: RequeueDeps, letters: readonly Held[]): Promise<Set<string>> {
  const byJob = new Map<number, Set<number>>();
  for (const { letter } of letters) {
    const ids = byJob.get(letter.jobId as number) ?? new Set<number>();
    byJob.set(letter.jobId as number, ids.add(letter.rangeId as number));
  }
  const done = new Set<string>();
  for (const [jobId, rangeIds] of byJob) {
    const ranges = await freshAttempts(deps.pool, jobId, [...rangeIds]);
    await deps.publisher.publish(jobId, ranges, 1);
    for (const r of ranges) done.add(keyOf({ jobId, rangeId: r.rangeId }));
  }
  return done;
}

function keyOf(k: { jobId: number | null; rangeId: number | null }): string {
  return `${k.jobId}:${k.rangeId}`;
}

function rangeKeys(held: readonly Held[]): RangeKey[] {
  return held.flatMap(({ letter }) => (letter.jobId !== null && letter.rangeId !== null ? [{ jobId: letter.jobId, rangeId: letter.rangeId }] : []));
}

/**
 * `dlq purge`: delete the dead letters (of `jobId`, when given). Without a job it is the broker's own purge;
 * with one, the job's messages are acked and every other message goes back. Returns how many were (or, without
 * `apply`, would be) deleted.
 */
export async function purgeDeadLetters(dlq: DeadLetterQueue, options: { jobId?: number; apply: boolean }): Promise<number> {
  const depth = await deadLetterDepth(dlq);
  if (!depth) return 0;
  if (options.jobId === undefined) {
    return options.apply ? (await dlq.channel.purgeQueue(dlq.names.deadQueue)).messageCount : depth;
  }
  const held: Held[] = [];
  try {
    await readHeld(dlq, depth, () => false, held);
    const selected = held.filter((h) => selectedBy(h.letter, options.jobId));
    if (options.apply) for (const h of selected) remove(dlq, h);
    return selected.length;
  } finally {
    await settleHeld(dlq, held);
  }
}
