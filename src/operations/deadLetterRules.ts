import { STOPPED_JOB_STATES } from '../shared/ledger/states.js';
import type { LedgerRangeView } from '../shared/ledger/rangeRequeue.js';
import { parseRangeMessage } from '../shared/rangeMessage.js';

/**
 * What a dead letter says and what `backfill dlq requeue` does with it: pure functions over a message's body,
 * its headers and the ledger's view of its range. The broker side is deadLetters.ts.
 */

/** One message of the dead-letter queue, as `backfill dlq list` shows it. */
export interface DeadLetter {
  /** Place in the queue when it was read, from 1 (the next message a reader would get). */
  position: number;
  jobId: number | null;
  rangeId: number | null;
  startId: number | null;
  endId: number | null;
  /** The attempt the message was on (`x-attempt`); null when it carries none. */
  attempt: number | null;
  /** Why it was dead-lettered: `x-reason` (set by consumers), else RabbitMQ's own `x-death`. */
  reason: string;
  deadLetteredAt: string | null;
  /** Why the body is not a range message; null when it is one. */
  malformed: string | null;
}

type Headers = Record<string, unknown> | undefined;

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return null;
}

function whole(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/** RabbitMQ's `x-death` entries (newest first) when it dead-lettered the message itself (a rejected or expired message). */
function firstDeath(headers: Headers): Record<string, unknown> | null {
  const deaths = headers?.['x-death'];
  return Array.isArray(deaths) && typeof deaths[0] === 'object' && deaths[0] !== null ? deaths[0] as Record<string, unknown> : null;
}

export function reasonOf(headers: Headers): string {
  const reason = text(headers?.['x-reason']);
  if (reason) return reason;
  const death = firstDeath(headers);
  if (death) {
    const count = whole(death.count);
    return `${text(death.reason) ?? 'dead-lettered'} by RabbitMQ in queue ${text(death.queue) ?? '?'}${count && count > 1 ? ` (${count} times)` : ''}`;
  }
  const lastError = text(headers?.['x-last-error']);
  return lastError ? `last error: ${lastError}` : 'no reason recorded';
}

function deadLetteredAtOf(headers: Headers): string | null {
  const at = text(headers?.['x-dead-lettered-at']);
  if (at) return at;
  // amqplib decodes an AMQP timestamp as seconds since the epoch.
  const seconds = whole(firstDeath(headers)?.time);
  return seconds === null ? null : new Date(seconds * 1000).toISOString();
}

/** Read one dead letter: its range (when the body is a valid range message), attempt, reason and time. */
export function describeDeadLetter(position: number, body: Buffer, headers: Headers): DeadLetter {
  const parsed = parseRangeMessage(body);
  const range = parsed.ok ? parsed.message : null;
  return {
    position,
    jobId: range?.jobId ?? null, rangeId: range?.rangeId ?? null, startId: range?.startId ?? null, endId: range?.endId ?? null,
    attempt: whole(headers?.['x-attempt']),
    reason: reasonOf(headers),
    deadLetteredAt: deadLetteredAtOf(headers),
    malformed: parsed.ok ? null : parsed.reason,
  };
}

/** Whether a dead letter is one `--job` selects; a message that names no job is selected only without `--job`. */
export function selectedBy(letter: DeadLetter, jobId: number | undefined): boolean {
  return jobId === undefined || letter.jobId === jobId;
}

/** Why requeue drops a dead letter; `closed-meanwhile`: its range finished or its job stopped between the check and the write. */
export const DROP_REASONS = ['malformed', 'unknown-range', 'bounds-differ', 'range-done', 'range-rolled-back', 'job-stopped', 'closed-meanwhile'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * What requeue does with one dead letter:
 * - republish: its range is open (pending, published) and its job is not stopped — back to work, fresh attempts;
 * - keep: its range failed — `backfill retry-failed` reopens it in the ledger and removes this dead letter;
 * - drop: nothing left to do (the reason is counted).
 */
export type RequeueVerdict = { action: 'republish' } | { action: 'keep'; why: 'range-failed' } | { action: 'drop'; why: DropReason };

export function requeueVerdict(letter: DeadLetter, ledger: LedgerRangeView | undefined): RequeueVerdict {
  if (letter.malformed !== null) return { action: 'drop', why: 'malformed' };
  if (!ledger) return { action: 'drop', why: 'unknown-range' };
  // A message whose bounds are not the ledger's is stale or forged: the consumers would refuse it too.
  if (ledger.startId !== letter.startId || ledger.endId !== letter.endId) return { action: 'drop', why: 'bounds-differ' };
  if (STOPPED_JOB_STATES.includes(ledger.jobState)) return { action: 'drop', why: 'job-stopped' };
  switch (ledger.rangeState) {
    case 'done': return { action: 'drop', why: 'range-done' };
    case 'rolled_back': return { action: 'drop', why: 'range-rolled-back' };
    case 'failed': return { action: 'keep', why: 'range-failed' };
    case 'pending':
    case 'published': return { action: 'republish' };
  }
}
