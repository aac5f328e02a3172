import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryRunner } from 'typeorm';
import { getConfig, type Config } from '../shared/config.js';
import { errorMessage } from '../shared/errors.js';
import { createLogger, stepLogLevel, type Logger } from '../shared/logger.js';
import { isUnreachable } from '../shared/services.js';
import { MigrationError } from './errors.js';
import { RELATION_HOLDERS_SQL, isLockWaitError, lockRetryBackoffMs, lockTimeoutError, toBlockers, type Blocker } from './locks.js';

/**
 * Glossary. A *revision* is one migration class (its name, e.g. `AnalysisFields1732500001000`). A *step*
 * is one SQL statement of a revision, run on its own so that a lock is held for one statement only and a
 * revision interrupted half-way can simply be run again (every step is idempotent).
 *
 * Step kinds decide the session settings around the statement:
 * - `blocking`: takes a lock that stops writers (ALTER TABLE … ADD COLUMN / ADD CONSTRAINT). Writers queue
 *   behind it while it *waits*, so its lock_timeout is short; a statement_timeout stops anything slow.
 * - `online`: takes only locks writers do not conflict with (VALIDATE CONSTRAINT, COMMENT, a new table).
 * - `concurrent`: CREATE/DROP INDEX CONCURRENTLY; must run outside a transaction.
 * Online and concurrent steps can scan the whole table, so they have no statement_timeout; their lock wait
 * is still bounded so a forgotten session never makes the migration hang silently.
 */
export type StepKind = 'blocking' | 'online' | 'concurrent';

/** A catalog query; the condition holds when it returns at least one row. */
export interface Probe {
  sql: string;
  params: unknown[];
  /** For the plan: "when … exists". */
  describe: string;
}

export interface Step {
  title: string;
  kind: StepKind;
  /** The table whose lock the step waits for, named in a lock-timeout message. */
  table: string;
  sql: string;
  /** Skip the step when the probe holds (for statements PostgreSQL has no IF [NOT] EXISTS for). */
  skipWhen?: Probe;
  /**
   * Run before every attempt when its probe holds: e.g. drop the INVALID index an interrupted (or timed-out)
   * CREATE INDEX CONCURRENTLY leaves behind, which `IF NOT EXISTS` would otherwise take for a finished one.
   */
  repair?: { when: Probe; sql: string };
  /** A squawk rule this statement is exempt from, and why; printed above it by `db plan`. */
  lintIgnore?: { rule: string; reason: string };
  /**
   * The step builds this index, which nothing in the tool's correctness needs (no key, no constraint): with
   * `db migrate --defer-indexes` it is recorded as deferred instead of run, and built later (deferredIndexes.ts).
   */
  deferrable?: { index: string };
}

export interface StepSettings {
  lockTimeoutMs: number;
  onlineLockTimeoutMs: number;
  statementTimeoutMs: number;
  lockRetries: number;
  lockRetryDelayMs: number;
}

/** What the migrator hands to the revisions through `queryRunner.data` (TypeORM builds them with `new`). */
export interface StepContext {
  settings: StepSettings;
  logger: Logger;
  /** `db plan`: statements are recorded, not run; probes are not asked and every step is printed. */
  recorder?: { comment(line: string): void };
  /** Sessions blocking backend `pid` right now, asked from a second connection while a step waits. */
  findBlockers?: (pid: number) => Promise<Blocker[]>;
  /** `db migrate --defer-indexes`: a deferrable step is handed here (which records it) instead of being run. */
  defer?: (queryRunner: QueryRunner, revision: string, step: Step) => Promise<void>;
}

const CONTEXT_KEY = 'tracktionSteps';

export function settingsFromConfig(config: Config): StepSettings {
  return {
    lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_MS,
    onlineLockTimeoutMs: config.MIGRATION_ONLINE_LOCK_TIMEOUT_MS,
    statementTimeoutMs: config.MIGRATION_STATEMENT_TIMEOUT_MS,
    lockRetries: config.MIGRATION_LOCK_RETRIES,
    lockRetryDelayMs: config.MIGRATION_LOCK_RETRY_DELAY_MS,
  };
}

export function attachStepContext(queryRunner: QueryRunner, context: StepContext): void {
  queryRunner.data[CONTEXT_KEY] = context;
}

/** The migrator's context, or one from the configuration when TypeORM's own CLI runs a revision. */
export function stepContextOf(queryRunner: QueryRunner): StepContext {
  const attached = queryRunner.data[CONTEXT_KEY] as StepContext | undefined;
  return attached ?? { settings: settingsFromConfig(getConfig()), logger: createLogger('db.migrate') };
}

/** True when the probe returns a row. In plan mode nothing is asked: the answer is "not there". */
export async function probe(queryRunner: QueryRunner, p: Probe): Promise<boolean> {
  if (stepContextOf(queryRunner).recorder) return false;
  const rows = (await queryRunner.query(p.sql, p.params)) as unknown[];
  return rows.length > 0;
}

/** Run the steps of one revision in order; each is logged with its duration. */
export async function runSteps(queryRunner: QueryRunner, revision: string, steps: readonly Step[]): Promise<void> {
  const ctx = stepContextOf(queryRunner);
  const session = new SessionTimeouts(queryRunner, ctx.settings);
  const pid = ctx.recorder ? 0 : await backendPid(queryRunner);
  for (const step of steps) {
    const skip = ctx.recorder ? undefined : await skipReason(queryRunner, step);
    if (skip) {
      ctx.logger.debug({ revision, step: step.title }, `step skipped: ${step.title} (${skip})`);
      continue;
    }
    if (step.deferrable && ctx.defer && !ctx.recorder) {
      await ctx.defer(queryRunner, revision, step);
      continue;
    }
    const started = performance.now();
    ctx.recorder?.comment(`-- step: ${step.title}`);
    await session.prepare(step.kind);
    if (ctx.recorder) recordGuards(ctx.recorder, step);
    await runWithLockRetry(queryRunner, ctx, step, pid);
    const ms = Math.round(performance.now() - started);
    if (!ctx.recorder) ctx.logger[stepLogLevel(ms)]({ revision, step: step.title, ms }, `step done: ${step.title} (${ms} ms)`);
  }
  await session.reset();
}

async function skipReason(queryRunner: QueryRunner, step: Step): Promise<string | undefined> {
  return step.skipWhen && (await probe(queryRunner, step.skipWhen)) ? 'already done' : undefined;
}

/** Printed right above the statement, so a squawk-ignore applies to it and nothing else. */
function recordGuards(recorder: NonNullable<StepContext['recorder']>, step: Step): void {
  if (step.deferrable) recorder.comment(`-- deferrable: db migrate --defer-indexes leaves it for db build-indexes`);
  if (step.skipWhen) recorder.comment(`-- skipped when ${step.skipWhen.describe}`);
  if (step.repair) {
    recorder.comment(`-- first, only when ${step.repair.when.describe}:`);
    recorder.comment(`${step.repair.sql};`);
  }
  if (step.lintIgnore) {
    recorder.comment(`-- ${step.lintIgnore.reason}`);
    recorder.comment(`-- squawk-ignore ${step.lintIgnore.rule}`);
  }
}

async function backendPid(queryRunner: QueryRunner): Promise<number> {
  const rows = (await queryRunner.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
  return rows[0]?.pid ?? 0;
}

/**
 * Run one statement; a lock wait that times out is retried with backoff (outside a transaction only —
 * inside one, the failed statement has aborted the transaction). While the statement waits, a second
 * connection asks pg_blocking_pids who is in the way, so the final message can name them.
 */
async function runWithLockRetry(queryRunner: QueryRunner, ctx: StepContext, step: Step, pid: number): Promise<void> {
  const inTransaction = queryRunner.isTransactionActive;
  const retries = inTransaction || ctx.recorder ? 0 : ctx.settings.lockRetries;
  const timeoutMs = step.kind === 'blocking' ? ctx.settings.lockTimeoutMs : ctx.settings.onlineLockTimeoutMs;
  let blockers: Blocker[] = [];
  for (let attempt = 1; ; attempt++) {
    const watch = watchBlockers(ctx, pid, timeoutMs);
    try {
      if (step.repair && (await probe(queryRunner, step.repair.when))) {
        ctx.logger.warn({ step: step.title }, `repairing before ${step.title}: ${step.repair.when.describe}`);
        await queryRunner.query(step.repair.sql);
      }
      await queryRunner.query(step.sql);
      return;
    } catch (err) {
      if (!isLockWaitError(err)) throw stepFailed(step, err);
      const seen = await watch.result();
      if (seen.length) blockers = seen;
      if (attempt > retries) {
        if (!blockers.length && !inTransaction) blockers = await relationHolders(queryRunner, step.table);
        throw lockTimeoutError({ table: step.table, step: step.title, attempts: attempt, lockTimeoutMs: timeoutMs, blockers }, err);
      }
      const delay = lockRetryBackoffMs(attempt, ctx.settings.lockRetryDelayMs);
      ctx.logger.warn(
        { step: step.title, attempt, delayMs: delay, blockers: blockers.map((b) => b.pid) },
        `lock on "${step.table}" not granted within ${timeoutMs} ms (attempt ${attempt} of ${retries + 1}); retrying in ${delay} ms`,
      );
      await sleep(delay);
    } finally {
      watch.stop();
    }
  }
}

/** Ask once, at 60 % of the lock timeout, who blocks us; the statement may have finished by then. */
function watchBlockers(ctx: StepContext, pid: number, timeoutMs: number) {
  const find = ctx.findBlockers;
  let pending: Promise<Blocker[]> | undefined;
  const timer = find && pid
    ? setTimeout(() => {
        pending = find(pid).catch(() => []);
      }, Math.max(1, Math.floor(timeoutMs * 0.6)))
    : undefined;
  return {
    stop: () => clearTimeout(timer),
    result: async () => (pending ? await pending : []),
  };
}

/** Name the step in the error; an unreachable server stays as it is (exit 69). */
function stepFailed(step: Step, err: unknown): unknown {
  if (isUnreachable(err)) return err;
  return new MigrationError(`step "${step.title}" failed: ${errorMessage(err)}`, { cause: err });
}

async function relationHolders(queryRunner: QueryRunner, table: string): Promise<Blocker[]> {
  try {
    return toBlockers(await queryRunner.query(RELATION_HOLDERS_SQL, [table]));
  } catch {
    return [];
  }
}

/** Sets lock_timeout / statement_timeout for a step kind, only when they change (and resets at the end). */
class SessionTimeouts {
  private current = '';
  constructor(
    private readonly queryRunner: QueryRunner,
    private readonly settings: StepSettings,
  ) {}

  async prepare(kind: StepKind): Promise<void> {
    const blocking = kind === 'blocking';
    const lock = blocking ? this.settings.lockTimeoutMs : this.settings.onlineLockTimeoutMs;
    const statement = blocking ? this.settings.statementTimeoutMs : 0;
    const wanted = `${lock}/${statement}`;
    if (wanted === this.current) return;
    // SET takes no bind parameters; both values are integers validated by the config schema.
    const scope = this.queryRunner.isTransactionActive ? 'SET LOCAL' : 'SET';
    await this.queryRunner.query(`${scope} lock_timeout = '${Math.trunc(lock)}ms'`);
    await this.queryRunner.query(`${scope} statement_timeout = '${Math.trunc(statement)}ms'`);
    this.current = wanted;
  }

  async reset(): Promise<void> {
    if (!this.current || this.queryRunner.isTransactionActive) return; // SET LOCAL ends with the transaction
    await this.queryRunner.query('RESET lock_timeout');
    await this.queryRunner.query('RESET statement_timeout');
    this.current = '';
  }
}
