import { hostname } from 'node:os';
import type { ConfirmChannel } from 'amqplib';
import type { AmqpSession } from '../shared/amqp/session.js';
import type pg from 'pg';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { PermanentError, errorMessage } from '../shared/errors.js';
import { finishJobIfDone } from '../shared/ledger/jobs.js';
import { claimRangeAttempt, markRangeFailed, type RangeClaim } from '../shared/ledger/ranges.js';
import type { Logger } from '../shared/logger.js';
import type { FleetNames } from '../shared/names.js';
import { parseRangeMessage, type RangeMessage } from '../shared/rangeMessage.js';
import { Delivery } from './delivery.js';
import { isTransientDatabaseError } from './pgErrors.js';
import { processRange, type RangeOutcome } from './processRange.js';
import { IDLE_JOB_STATES, verdictFor, type JobStateWatcher } from './jobStateWatcher.js';
import type { RangeObserver } from '../shared/metrics/rangeObserver.js';

/** A delivery whose handling ended without settling it is given back after this pause (no hot loop while a service is down). */
const UNSETTLED_GIVE_BACK_DELAY_MS = 1000;

export interface ConsumerSettings {
  consumerId: string;
  prefetch: number;
  maxAttempts: number;
  statementTimeoutMs: number;
  chunkRows: number;
  heartbeatTtlSeconds: number;
  maxBlobBytes?: number;
}

export interface ConsumerDeps {
  /** The RabbitMQ session: it reconnects by itself and says which channel is still open. */
  session: AmqpSession;
  pool: pg.Pool;
  coordinator: Coordinator;
  watcher: JobStateWatcher;
  names: FleetNames;
  logger: Logger;
  /** Prometheus metrics; absent in tests and tools that run a consumer without them. */
  metrics?: RangeObserver;
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
  /** PostgreSQL backend serving each delivery in hand, by delivery tag, for `cancel --force`. */
  private readonly backends = new Map<string, { jobId: number; pid: number }>();
  private stopping = false;
  private subscribedOn: ConfirmChannel | undefined;

  constructor(private readonly deps: ConsumerDeps, private readonly settings: ConsumerSettings) {}

  async start(): Promise<void> {
    this.deps.watcher.onForceCancel((jobId) => void this.stopRangesOf(jobId));
    // After every reconnect the session hands over a new channel: subscribe on it again.
    this.deps.session.on('ready', (channel: ConfirmChannel) => void this.subscribe(channel).catch((err: unknown) =>
      this.deps.logger.error({ err }, 'could not subscribe on the new channel')));
    const channel = this.deps.session.channel();
    if (channel) await this.subscribe(channel);
    await this.beat();
    this.heartbeatTimer = setInterval(() => void this.beat(), Math.max(1000, (this.settings.heartbeatTtlSeconds * 1000) / 3));
    this.heartbeatTimer.unref();
  }

  private async subscribe(channel: ConfirmChannel): Promise<void> {
    if (this.stopping) return;
    await channel.prefetch(this.settings.prefetch);
    const reply = await channel.consume(this.deps.names.workQueue, (message) => {
      if (message) this.track(new Delivery(message, channel, this.deps.session, this.deps.names, this.deps.logger));
    }, { noAck: false });
    this.consumerTag = reply.consumerTag;
    this.subscribedOn = channel;
  }

  /** Stop taking messages and wait (up to `graceMs`) for the ranges in hand; returns whether they all finished. */
  async drain(graceMs: number): Promise<boolean> {
    this.stopping = true;
    if (this.consumerTag && this.subscribedOn) await this.subscribedOn.cancel(this.consumerTag).catch(() => undefined);
    this.consumerTag = undefined;
    clearInterval(this.heartbeatTimer);
    const all = Promise.allSettled([...this.inFlight.values()]).then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
    const finished = await Promise.race([all, timeout]);
    await this.deps.coordinator.removeConsumer(this.settings.consumerId).catch(() => undefined);
    return finished;
  }

  private track(delivery: Delivery): void {
    const key = delivery.key;
    const parsed = parseRangeMessage(delivery.message.content);
    this.inFlightRanges.set(key, parsed.ok ? `${parsed.message.jobId}:${parsed.message.rangeId}` : 'malformed');
    this.deps.metrics?.started();
    const work = this.handle(delivery)
      .catch((err: unknown) => this.deps.logger.error({ err }, 'delivery handling failed'))
      .then(() => this.giveBackUnsettled(delivery))
      .finally(() => {
        this.inFlight.delete(key);
        this.inFlightRanges.delete(key);
        void this.beat();
        this.deps.metrics?.ended();
      });
    this.inFlight.set(key, work);
    // Heartbeats also go out when the ranges in hand change: `resume-lost` and `status` count them.
    void this.beat();
  }

  /**
   * The one place that makes sure every delivery is settled: whatever path handling took — including a failure
   * path that failed itself (the ledger unreachable while marking a range failed, a retry copy the broker did not
   * confirm) — a delivery still in hand is given back to the queue, so the broker delivers it again and this
   * consumer's prefetch slot frees up. Giving back spends no attempt: the ledger counts starts, not deliveries.
   */
  private async giveBackUnsettled(delivery: Delivery): Promise<void> {
    if (delivery.settled) return;
    this.deps.logger.warn({ range: this.inFlightRanges.get(delivery.key) },
      'the delivery was not settled: giving it back to the queue, the broker redelivers it');
    if (!this.stopping) await new Promise((resolve) => setTimeout(resolve, UNSETTLED_GIVE_BACK_DELAY_MS));
    delivery.requeue();
  }

  private async handle(delivery: Delivery): Promise<void> {
    const parsed = parseRangeMessage(delivery.message.content);
    if (!parsed.ok) {
      this.deps.logger.warn({ reason: parsed.reason }, 'dead-lettering a malformed message');
      await delivery.deadLetter(parsed.reason);
      this.deps.metrics?.malformed();
      return;
    }
    const message = parsed.message;
    const key = delivery.key;
    for (;;) {
      // A job known to be paused is not even opened; the ledger check inside the range catches the rest.
      if (verdictFor(this.deps.watcher.known(message.jobId)) === 'wait' && !(await this.holdWhilePaused(delivery, message))) return;
      if (!(await this.obeyThrottle(delivery, message))) return;
      // The start is counted (and committed) before the range transaction; throws, unsettled, without the ledger.
      const claim = await claimRangeAttempt(this.deps.pool, message, IDLE_JOB_STATES);
      if (claim && claim.attempts === null && verdictFor(claim.jobState) === 'wait') {
        this.deps.watcher.remember(message.jobId, claim.jobState);
        continue;
      }
      if (claim?.rangeState === 'failed') {
        // A copy of a range that already used its attempts: the ledger keeps it failed, with its reason, until
        // `retry-failed` reopens and republishes it. Running it here would go round the retry queues uncounted.
        this.deps.logger.info({ jobId: message.jobId, rangeId: message.rangeId }, 'dropping a copy of a range that is failed in the ledger');
        delivery.ack();
        return;
      }
      if (claim?.attempts != null && claim.attempts > this.settings.maxAttempts) {
        await this.failRange(delivery, message, claim.attempts - 1, exhaustedReason(claim));
        return;
      }
      // Not counted: unknown or stale (processRange rejects it), done, or its job stopped (processRange says so).
      const attempt = claim?.attempts ?? 1;
      const started = performance.now();
      let outcome: RangeOutcome;
      try {
        outcome = await processRange(this.deps.pool, message, {
          statementTimeoutMs: this.settings.statementTimeoutMs, chunkRows: this.settings.chunkRows,
          ...(this.settings.maxBlobBytes ? { maxBlobBytes: this.settings.maxBlobBytes } : {}),
          onBackend: (pid) => this.backends.set(key, { jobId: message.jobId, pid }),
          onPhase: this.deps.metrics?.phase,
        });
      } catch (err) {
        await this.handleFailure(delivery, message, attempt, err);
        return;
      } finally {
        this.backends.delete(key);
      }
      if (outcome.kind === 'job-paused') {
        this.deps.watcher.remember(message.jobId, 'paused');
        continue;
      }
      if (outcome.kind === 'job-stopped') this.deps.logger.info({ jobId: message.jobId, rangeId: message.rangeId, state: outcome.jobState }, 'dropping a range of a stopped job');
      const acking = performance.now();
      delivery.ack();
      const acked = performance.now();
      // Phases are timed for converted ranges only, like read … commit, so every phase counts the same ranges.
      if (outcome.kind === 'done') this.deps.metrics?.phase('ack', acked - acking);
      this.deps.metrics?.handled(message.jobId, outcome, (acked - started) / 1000);
      await this.report(message, outcome);
      if (outcome.kind === 'done') this.deps.metrics?.phase('report', performance.now() - acked);
      return;
    }
  }

  /**
   * Keep a paused job's message in hand (unacked, so it is neither lost nor spun on: it holds a prefetch
   * slot). Returns true when the job may run again; otherwise the message was acked (job cancelled) or given
   * back to the queue (shutdown, or held long enough to risk RabbitMQ's consumer timeout).
   */
  private async holdWhilePaused(delivery: Delivery, message: RangeMessage): Promise<boolean> {
    this.deps.logger.info({ jobId: message.jobId, rangeId: message.rangeId }, 'job paused: holding its range until it is resumed');
    const verdict = await this.deps.watcher.waitWhilePaused(message.jobId, () => this.stopping);
    if (verdict === 'run') return true;
    if (verdict === 'drop') delivery.ack();
    else delivery.requeue();
    return false;
  }

  /**
   * Take the range's share of the job's fleet-wide rate budget, waiting as the throttle says. Returns
   * false when the message was given back (shutdown while held). Without Redis the fleet runs unthrottled.
   */
  private async obeyThrottle(delivery: Delivery, message: RangeMessage): Promise<boolean> {
    const cost = await this.deps.watcher.rangeSizeOf(message.jobId).catch(() => 1);
    for (;;) {
      let wait: number;
      try {
        wait = await this.deps.coordinator.acquireRate(message.jobId, cost);
      } catch {
        return true;
      }
      if (wait === 0) return true;
      if (this.stopping) {
        delivery.requeue();
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, wait < 0 ? 500 : Math.min(wait, 60_000)));
      if (wait > 0) return true;
    }
  }

  /** `cancel --force`: cancel the statements of the job's ranges in hand; their transactions roll back. */
  private async stopRangesOf(jobId: number): Promise<void> {
    for (const backend of this.backends.values()) {
      if (backend.jobId !== jobId) continue;
      this.deps.logger.warn({ jobId, pid: backend.pid }, 'cancel --force: stopping a range in hand');
      await this.safely(() => this.deps.pool.query('SELECT pg_cancel_backend($1)', [backend.pid]));
    }
  }

  private async handleFailure(delivery: Delivery, message: RangeMessage, attempt: number, err: unknown): Promise<void> {
    const { logger } = this.deps;
    const jobState = await this.deps.watcher.fromLedger(message.jobId).catch(() => undefined);
    if (verdictFor(jobState) === 'drop') {
      logger.info({ jobId: message.jobId, rangeId: message.rangeId, state: jobState }, 'range stopped: its job is being cancelled');
      delivery.ack();
      return;
    }
    const reason = err instanceof PermanentError ? `${err.code}: ${err.message}` : errorMessage(err);
    const log = { jobId: message.jobId, rangeId: message.rangeId, attempt, reason };
    if (err instanceof PermanentError) {
      logger.warn(log, 'dead-lettering a message the ledger does not vouch for');
      await delivery.deadLetter(reason);
      this.deps.metrics?.failed(message.jobId, 'rejected');
    } else if (attempt < this.settings.maxAttempts) {
      logger.warn({ ...log, transient: isTransientDatabaseError(err) }, 'range failed; retrying after backoff');
      await delivery.retry(attempt, reason);
      this.deps.metrics?.failed(message.jobId, 'retried');
    } else {
      await this.failRange(delivery, message, attempt, `attempts exhausted: ${reason}`);
    }
  }

  /** The range used its attempts: failed in the ledger (first), then the message dead-lettered, then the job closed if it was the last. */
  private async failRange(delivery: Delivery, message: RangeMessage, attempts: number, reason: string): Promise<void> {
    const { logger, pool } = this.deps;
    logger.error({ jobId: message.jobId, rangeId: message.rangeId, attempts, reason }, 'range used its attempts; marking it failed and dead-lettering it');
    await markRangeFailed(pool, message.jobId, message.rangeId, attempts, reason);
    await delivery.deadLetter(reason);
    this.deps.metrics?.failed(message.jobId, 'failed');
    await this.safely(() => this.deps.coordinator.recordRange(message.jobId,
      { rangeId: message.rangeId, outcome: 'failed', converted: 0, failed: 0, skipped: 0 }));
    await this.safely(() => finishJobIfDone(pool, message.jobId));
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

/** Why a range that was started more times than it has attempts is failed without starting it again. */
function exhaustedReason(claim: RangeClaim): string {
  const starts = (claim.attempts ?? 1) - 1;
  return `attempts exhausted: started ${starts} time(s) without finishing (its consumer stopped, was killed or lost `
    + `the database inside it)${claim.lastError ? `; last error: ${claim.lastError}` : ''}`;
}
