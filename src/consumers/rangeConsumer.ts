import { hostname } from 'node:os';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { PermanentError, errorMessage } from '../shared/errors.js';
import { finishJobIfDone } from '../shared/ledger/jobs.js';
import { markRangeFailed } from '../shared/ledger/ranges.js';
import type { Logger } from '../shared/logger.js';
import type { FleetNames } from '../shared/names.js';
import { parseRangeMessage, type RangeMessage } from '../shared/rangeMessage.js';
import { attemptOf, publishToDead, publishToRetry } from './deliveryRouting.js';
import { isTransientDatabaseError } from './pgErrors.js';
import { processRange, type RangeOutcome } from './processRange.js';

export interface ConsumerSettings {
  consumerId: string;
  prefetch: number;
  maxAttempts: number;
  statementTimeoutMs: number;
  heartbeatTtlSeconds: number;
  maxBlobBytes?: number;
}

export interface ConsumerDeps {
  channel: ConfirmChannel;
  pool: pg.Pool;
  coordinator: Coordinator;
  names: FleetNames;
  logger: Logger;
}

/**
 * One consumer process's work loop: take range messages (bounded prefetch, manual acks), process each
 * in one transaction, then ack, then report. The order commit → ack → report is what makes a crash at
 * any point safe: before commit nothing happened, after it the redelivery finds the range done.
 */
export class RangeConsumer {
  private consumerTag: string | undefined;
  /** Deliveries in hand, by delivery tag, with the range each one carries (for heartbeats). */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly inFlightRanges = new Map<string, string>();
  private rangesDone = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly deps: ConsumerDeps, private readonly settings: ConsumerSettings) {}

  async start(): Promise<void> {
    const { channel, names } = this.deps;
    await channel.prefetch(this.settings.prefetch);
    const reply = await channel.consume(names.workQueue, (message) => {
      if (message) this.track(message);
    }, { noAck: false });
    this.consumerTag = reply.consumerTag;
    await this.beat();
    this.heartbeatTimer = setInterval(() => void this.beat(), Math.max(1000, (this.settings.heartbeatTtlSeconds * 1000) / 3));
    this.heartbeatTimer.unref();
  }

  /** Stop taking messages and wait (up to `graceMs`) for the ranges in hand; returns whether they all finished. */
  async drain(graceMs: number): Promise<boolean> {
    if (this.consumerTag) await this.deps.channel.cancel(this.consumerTag).catch(() => undefined);
    this.consumerTag = undefined;
    clearInterval(this.heartbeatTimer);
    const all = Promise.allSettled([...this.inFlight.values()]).then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
    const finished = await Promise.race([all, timeout]);
    await this.deps.coordinator.removeConsumer(this.settings.consumerId).catch(() => undefined);
    return finished;
  }

  private track(message: ConsumeMessage): void {
    const key = String(message.fields.deliveryTag);
    const parsed = parseRangeMessage(message.content);
    this.inFlightRanges.set(key, parsed.ok ? `${parsed.message.jobId}:${parsed.message.rangeId}` : 'malformed');
    const work = this.handle(message)
      .catch((err: unknown) => this.deps.logger.error({ err }, 'delivery handling failed; the message will be redelivered'))
      .finally(() => {
        this.inFlight.delete(key);
        this.inFlightRanges.delete(key);
      });
    this.inFlight.set(key, work);
  }

  private async handle(delivery: ConsumeMessage): Promise<void> {
    const parsed = parseRangeMessage(delivery.content);
    if (!parsed.ok) {
      this.deps.logger.warn({ reason: parsed.reason }, 'dead-lettering a malformed message');
      await publishToDead(this.deps.channel, this.deps.names, delivery, parsed.reason);
      this.deps.channel.ack(delivery);
      return;
    }
    const attempt = attemptOf(delivery);
    let outcome: RangeOutcome;
    try {
      outcome = await processRange(this.deps.pool, parsed.message, {
        attempt, statementTimeoutMs: this.settings.statementTimeoutMs,
        ...(this.settings.maxBlobBytes ? { maxBlobBytes: this.settings.maxBlobBytes } : {}),
      });
    } catch (err) {
      await this.handleFailure(delivery, parsed.message, attempt, err);
      return;
    }
    this.deps.channel.ack(delivery);
    await this.report(parsed.message, outcome);
  }

  private async handleFailure(delivery: ConsumeMessage, message: RangeMessage, attempt: number, err: unknown): Promise<void> {
    const { channel, names, logger, pool } = this.deps;
    const reason = err instanceof PermanentError ? `${err.code}: ${err.message}` : errorMessage(err);
    const log = { jobId: message.jobId, rangeId: message.rangeId, attempt, reason };
    if (err instanceof PermanentError) {
      logger.warn(log, 'dead-lettering a message the ledger does not vouch for');
      await publishToDead(channel, names, delivery, reason);
    } else if (attempt < this.settings.maxAttempts) {
      logger.warn({ ...log, transient: isTransientDatabaseError(err) }, 'range failed; retrying after backoff');
      await publishToRetry(channel, names, delivery, attempt, reason);
    } else {
      logger.error(log, 'range failed on its last attempt; marking it failed and dead-lettering it');
      await markRangeFailed(pool, message.jobId, message.rangeId, attempt, reason);
      await publishToDead(channel, names, delivery, `attempts exhausted: ${reason}`);
      await this.safely(() => this.deps.coordinator.recordRange(message.jobId,
        { rangeId: message.rangeId, outcome: 'failed', converted: 0, failed: 0, skipped: 0 }));
      await this.safely(() => finishJobIfDone(pool, message.jobId));
    }
    channel.ack(delivery);
  }

  /** Redis is a cache: a failed report is logged and later rebuilt from the ledger, never fatal. */
  private async report(message: RangeMessage, outcome: RangeOutcome): Promise<void> {
    if (outcome.kind !== 'done') return;
    this.rangesDone++;
    const { coordinator, pool } = this.deps;
    await this.safely(() => coordinator.recordRange(message.jobId, { rangeId: message.rangeId, outcome: 'done', ...outcome }));
    await this.safely(() => coordinator.recordErrors(message.jobId, outcome.errors));
    await this.safely(() => finishJobIfDone(pool, message.jobId));
  }

  private async safely(step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.deps.logger.warn({ err }, 'reporting step failed (the ledger is the truth; counters are rebuilt from it)');
    }
  }

  private async beat(): Promise<void> {
    await this.safely(() => this.deps.coordinator.heartbeat({
      consumerId: this.settings.consumerId, host: hostname(), pid: process.pid, rangesDone: this.rangesDone,
      currentRanges: [...this.inFlightRanges.values()], startedAt: this.startedAt,
    }, this.settings.heartbeatTtlSeconds));
  }
}
