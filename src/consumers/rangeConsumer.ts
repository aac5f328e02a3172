import { hostname } from 'node:os';
import type { ConfirmChannel } from 'amqplib';
import type pg from 'pg';
import type { AmqpSession } from '../shared/amqp/session.js';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { claimRangeAttempt, markRangeFailed } from '../shared/ledger/ranges.js';
import type { Logger } from '../shared/logger.js';
import type { RangeObserver } from '../shared/metrics/rangeObserver.js';
import type { FleetNames } from '../shared/names.js';
import { parseRangeMessage, type RangeMessage } from '../shared/rangeMessage.js';
import { Delivery } from './delivery.js';
import { passGate } from './gate.js';
import { IDLE_JOB_STATES, type JobStateWatcher } from './jobStateWatcher.js';
import { processRange } from './processRange.js';
import { logVerdict, reportSettled } from './report.js';
import { settle } from './settle.js';
import {
  HANDLING_FAILED_DELAY_MS, malformed, verdictOfClaim, verdictOfFailure, verdictOfOutcome, type Hold, type Verdict,
} from './verdict.js';

/** What one pass over a delivery decided, and when its range started (absent when it never started). */
interface Pass {
  verdict: Verdict;
  started?: number;
}

export interface ConsumerSettings {
  consumerId: string;
  prefetch: number;
  maxAttempts: number;
  statementTimeoutMs: number;
  chunkRows: number;
  heartbeatTtlSeconds: number;
  maxBlobBytes?: number;
  /** BACKFILL_RETRY_BASE_MS: the TTL a copy in the first retry queue gets (publishToRetry). */
  retryBaseMs: number;
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
 * One consumer process's work loop: take range messages (bounded prefetch, manual acks) and make one pass
 * over each (handle): parse → gate → process in one transaction → settle → report. The order commit → ack → report is what makes a crash at
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
      if (message) this.track(new Delivery(message, channel, this.deps.session, this.deps.names, this.deps.logger, this.settings.retryBaseMs));
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
    const work = this.handle(delivery)
      // settle() never throws; this only keeps a bug in reporting from becoming an unhandled rejection.
      .catch((err: unknown) => this.deps.logger.error({ err }, 'delivery handling failed'))
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
   * One pass over a delivery: parse → gate → process → settle → report. Deciding never touches the broker;
   * settle() is the one place that does, exactly once per delivery, on every path — so the order commit → ack →
   * report holds whatever happened before.
   */
  private async handle(delivery: Delivery): Promise<void> {
    const parsed = parseRangeMessage(delivery.message.content);
    const message = parsed.ok ? parsed.message : undefined;
    const range = message ? `${message.jobId}:${message.rangeId}` : 'malformed';
    this.inFlightRanges.set(delivery.key, range);
    this.deps.metrics?.started();
    let pass: Pass;
    try {
      pass = parsed.ok ? await this.decide(delivery.key, parsed.message) : { verdict: malformed(parsed.reason) };
    } catch (err) {
      // The ledger unreachable while counting the start: nothing was written, the delivery goes back.
      this.deps.logger.error({ err, range }, 'delivery handling failed');
      pass = { verdict: { kind: 'give-back', why: 'handling-failed', delayMs: HANDLING_FAILED_DELAY_MS } };
    }
    logVerdict(this.deps.logger, message, pass.verdict);
    const settling = performance.now();
    const carriedOut = await settle(delivery, pass.verdict, {
      logger: this.deps.logger, stopping: () => this.stopping, range,
      markFailed: async (attempts, reason) => {
        if (message) await markRangeFailed(this.deps.pool, message.jobId, message.rangeId, attempts, reason);
      },
    });
    const settled = performance.now();
    if (!carriedOut) return;
    if (pass.verdict.kind === 'done') this.rangesDone++;
    await reportSettled(this.deps, message, pass.verdict, { started: pass.started, settling, settled });
  }

  /**
   * Gate, count the start in the ledger, process: until a verdict. A job found paused (by the ledger's count, or
   * inside the range's transaction) sends the delivery back to the gate, to be held there.
   */
  private async decide(key: string, message: RangeMessage): Promise<Pass> {
    for (;;) {
      const gate = await passGate(message, { ...this.deps, stopping: () => this.stopping });
      if (gate !== 'open') return { verdict: gate };
      // The start is counted (and committed) before the range transaction.
      const claim = await claimRangeAttempt(this.deps.pool, message, IDLE_JOB_STATES);
      const start = verdictOfClaim(claim, this.settings.maxAttempts);
      if (start.kind === 'hold') {
        this.deps.watcher.remember(message.jobId, start.jobState);
        continue;
      }
      if (start.kind !== 'run') return { verdict: start };
      const started = performance.now();
      const verdict = await this.process(key, message, start.attempt);
      if (verdict.kind === 'hold') {
        this.deps.watcher.remember(message.jobId, verdict.jobState);
        continue;
      }
      return { verdict, started };
    }
  }

  /** The range's one transaction, and the verdict on what it returned or threw. */
  private async process(key: string, message: RangeMessage, attempt: number): Promise<Verdict | Hold> {
    try {
      const outcome = await processRange(this.deps.pool, message, {
        statementTimeoutMs: this.settings.statementTimeoutMs, chunkRows: this.settings.chunkRows,
        ...(this.settings.maxBlobBytes ? { maxBlobBytes: this.settings.maxBlobBytes } : {}),
        onBackend: (pid) => this.backends.set(key, { jobId: message.jobId, pid }),
        onPhase: this.deps.metrics?.phase,
      });
      return verdictOfOutcome(outcome);
    } catch (err) {
      const jobState = await this.deps.watcher.fromLedger(message.jobId).catch(() => undefined);
      return verdictOfFailure(err, jobState, attempt, this.settings.maxAttempts);
    } finally {
      this.backends.delete(key);
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
