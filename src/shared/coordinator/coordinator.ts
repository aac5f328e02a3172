import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { CoordinatorKeys } from './keys.js';

/**
 * The coordinator: live aggregation in Redis for many consumers. Redis is a cache here — PostgreSQL's
 * ledger is the truth, and everything below can be rebuilt from it (`rebuildFromLedger`).
 */

const RECORD_RANGE_LUA = readFileSync(new URL('./lua/recordRange-4.lua', import.meta.url), 'utf8');
const ADD_PLANNED_LUA = readFileSync(new URL('./lua/addPlanned-4.lua', import.meta.url), 'utf8');
const REBUILD_CHUNK_LUA = readFileSync(new URL('./lua/rebuildChunk-5.lua', import.meta.url), 'utf8');
const ACQUIRE_RATE_LUA = readFileSync(new URL('./lua/acquireRate-1.lua', import.meta.url), 'utf8');

/** Throughput buckets live a little longer than the window they are summed over. */
const RATE_WINDOW_SECONDS = 60;
const RATE_BUCKET_TTL_SECONDS = RATE_WINDOW_SECONDS * 2;
const RECENT_ERRORS_KEPT = 1000;

export interface RangeReport {
  rangeId: number;
  outcome: 'done' | 'failed';
  converted: number;
  failed: number;
  skipped: number;
}

export interface JobCounters {
  rangesDone: number;
  rangesFailed: number;
  converted: number;
  failed: number;
  skipped: number;
}

/**
 * A job's figures as the coordinator holds them once built from the ledger: the counters above plus what
 * was planned (ranges, rows with legacy data, how far) and the planned rows of the finished ranges.
 */
export interface JobProgress extends JobCounters {
  plannedRanges: number;
  plannedRows: number;
  finishedRows: number;
  /** End id of the last planned range; null before the first. */
  plannedThroughId: number | null;
  /** Highest range id known here: the ledger is asked only for ranges after it. */
  plannedLastRangeId: number;
}

/** One range of the ledger as a rebuild of the counters reads it. */
export interface LedgerRange {
  rangeId: number;
  state: 'done' | 'failed' | 'open';
  plannedRows: number;
  endId: number;
  converted: number;
  failed: number;
  skipped: number;
}

export interface PlannedRangeTotals {
  rangeId: number;
  plannedRows: number;
  endId: number;
}

/** Ranges per rebuild script call: Redis runs one call at a time, so a big job does not hold it for long. */
const REBUILD_CHUNK_RANGES = 500;

export interface RecentRowError {
  trackId: number;
  code: string;
  key: string | null;
  message: string;
}

export interface JobStateAnnouncement {
  jobId: number;
  state: string;
  force: boolean;
}

/** A cached state outlives any realistic pause; consumers re-read the ledger when it is gone. */
const JOB_STATE_TTL_SECONDS = 7 * 24 * 3600;

export interface ConsumerHeartbeat {
  consumerId: string;
  host: string;
  pid: number;
  rangesDone: number;
  currentRanges: string[];
  startedAt: string;
  lastSeen?: string;
}

type ScriptCommand = (...keysThenArgs: (string | number)[]) => Promise<number>;

export class Coordinator {
  readonly keys: CoordinatorKeys;

  constructor(private readonly redis: Redis, prefix: string, private readonly now: () => number = Date.now) {
    this.keys = new CoordinatorKeys(prefix);
    if (!('recordRange4' in redis)) redis.defineCommand('recordRange4', { numberOfKeys: 4, lua: RECORD_RANGE_LUA });
    if (!('addPlanned4' in redis)) redis.defineCommand('addPlanned4', { numberOfKeys: 4, lua: ADD_PLANNED_LUA });
    if (!('rebuildChunk5' in redis)) redis.defineCommand('rebuildChunk5', { numberOfKeys: 5, lua: REBUILD_CHUNK_LUA });
    if (!('acquireRate' in redis)) redis.defineCommand('acquireRate', { numberOfKeys: 1, lua: ACQUIRE_RATE_LUA });
  }

  /** Count a range once (Lua, keyed by range id); returns false when it had been counted already. */
  async recordRange(jobId: number, report: RangeReport, countThroughput = true): Promise<boolean> {
    const second = Math.floor(this.now() / 1000);
    const counted = await this.script('recordRange4')(
      this.keys.countedRanges(jobId), this.keys.counters(jobId), this.keys.throughputBucket(jobId, second), this.keys.plannedRows(jobId),
      report.rangeId, report.converted, report.failed, report.skipped, report.outcome,
      countThroughput ? RATE_BUCKET_TTL_SECONDS : 0,
    );
    return counted === 1;
  }

  /** Append row errors to the job's capped stream of recent errors (the ledger keeps all of them). */
  async recordErrors(jobId: number, errors: RecentRowError[]): Promise<void> {
    if (errors.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const e of errors.slice(-100)) {
      pipeline.xadd(this.keys.recentErrors(jobId), 'MAXLEN', '~', RECENT_ERRORS_KEPT, '*',
        'trackId', String(e.trackId), 'code', e.code, 'key', e.key ?? '', 'message', e.message);
    }
    await pipeline.exec();
  }

  async recentErrors(jobId: number, count = 10): Promise<RecentRowError[]> {
    const entries = await this.redis.xrevrange(this.keys.recentErrors(jobId), '+', '-', 'COUNT', count);
    return entries.map(([, fields]) => {
      const f = Object.fromEntries(pairs(fields));
      return { trackId: Number(f.trackId), code: f.code ?? '', key: f.key || null, message: f.message ?? '' };
    });
  }

  /** Counters, or undefined when Redis has none for the job (never reported, or lost in a flush). */
  async counters(jobId: number): Promise<JobCounters | undefined> {
    const hash = await this.redis.hgetall(this.keys.counters(jobId));
    if (Object.keys(hash).length === 0) return undefined;
    const n = (k: string) => Number(hash[k] ?? 0);
    return { rangesDone: n('rangesDone'), rangesFailed: n('rangesFailed'), converted: n('converted'), failed: n('failed'), skipped: n('skipped') };
  }

  /** Tracks per second over the last minute, from per-second buckets. */
  async throughput(jobId: number): Promise<number> {
    const nowSecond = Math.floor(this.now() / 1000);
    const keys = Array.from({ length: RATE_WINDOW_SECONDS }, (_, i) => this.keys.throughputBucket(jobId, nowSecond - i));
    const values = (await this.redis.mget(...keys)).map((v) => Number(v ?? 0));
    const total = values.reduce((sum, v) => sum + v, 0);
    // A job that started less than a minute ago is measured over the seconds it has run, not the full window.
    const oldest = values.findLastIndex((v) => v > 0);
    return oldest < 0 ? 0 : total / Math.max(oldest + 1, 5);
  }

  /**
   * Tracks finished in each whole second before the current one, oldest first, and the epoch second of the
   * last: the series the status's smoothed rate is computed over. At most as far back as the buckets live.
   */
  async throughputSeries(jobId: number, seconds: number): Promise<{ endSecond: number; tracks: number[] }> {
    const endSecond = Math.floor(this.now() / 1000) - 1;
    const count = Math.max(0, Math.min(seconds, RATE_BUCKET_TTL_SECONDS - 2));
    const keys = Array.from({ length: count }, (_, i) => this.keys.throughputBucket(jobId, endSecond - count + 1 + i));
    return { endSecond, tracks: count ? (await this.redis.mget(...keys)).map((v) => Number(v ?? 0)) : [] };
  }

  /**
   * The job's figures and whether they are built (its generation key exists), in one round trip. Not built:
   * never built, or lost in a flush or a restart without persistence — whatever counters are there then
   * are partial (consumers keep counting into an empty Redis) and must be completed from the ledger.
   */
  async progress(jobId: number): Promise<{ built: boolean; progress: JobProgress }> {
    const results = await this.redis.multi().exists(this.keys.generation(jobId)).hgetall(this.keys.counters(jobId)).exec();
    const [[existsErr, exists], [hashErr, hash]] = results as [[Error | null, number], [Error | null, Record<string, string>]];
    if (existsErr || hashErr) throw existsErr ?? hashErr;
    const n = (k: string) => Number(hash[k] ?? 0);
    return {
      built: exists === 1,
      progress: {
        rangesDone: n('rangesDone'), rangesFailed: n('rangesFailed'), converted: n('converted'), failed: n('failed'), skipped: n('skipped'),
        plannedRanges: n('plannedRanges'), plannedRows: n('plannedRows'), finishedRows: n('finishedRows'),
        plannedThroughId: hash.plannedThroughId === undefined ? null : Number(hash.plannedThroughId),
        plannedLastRangeId: n('plannedLastRangeId'),
      },
    };
  }

  /**
   * Start a rebuild: the job's epoch, read before the ledger is. Created (as 0) when missing, so a flush
   * during the rebuild removes it and the rebuild's later chunks are refused.
   */
  async rebuildEpoch(jobId: number): Promise<string> {
    const results = await this.redis.multi().set(this.keys.epoch(jobId), '0', 'NX').get(this.keys.epoch(jobId)).exec();
    const [, [err, epoch]] = results as [[Error | null, unknown], [Error | null, string | null]];
    if (err) throw err;
    return epoch ?? '0';
  }

  /**
   * Complete the counters with every range of the ledger (read after `rebuildEpoch`) and mark them built.
   * Exact while consumers keep reporting and other readers rebuild too: every range is planned and counted
   * once (keyed by range id). Returns how many finished ranges were counted now (those Redis did not have),
   * or -1 when the counters were reset or flushed meanwhile (nothing more written; the next reader rebuilds).
   */
  async rebuildFromLedger(jobId: number, epoch: string, ranges: LedgerRange[]): Promise<number> {
    const keys = [this.keys.countedRanges(jobId), this.keys.counters(jobId), this.keys.plannedRows(jobId), this.keys.generation(jobId),
      this.keys.epoch(jobId)];
    let counted = 0;
    for (let i = 0; i === 0 || i < ranges.length; i += REBUILD_CHUNK_RANGES) {
      const chunk = ranges.slice(i, i + REBUILD_CHUNK_RANGES);
      const last = i + REBUILD_CHUNK_RANGES >= ranges.length;
      const args = chunk.flatMap((r) => [r.rangeId, r.state, r.plannedRows, r.endId, r.converted, r.failed, r.skipped]);
      const result = await this.script('rebuildChunk5')(...keys, epoch, last ? 1 : 0, ...args);
      if (result < 0) return -1;
      counted += result;
    }
    return counted;
  }

  /** Make ranges planned since the last read known (once each); -1 when the counters are not built. */
  async addPlanned(jobId: number, ranges: PlannedRangeTotals[]): Promise<number> {
    if (ranges.length === 0) return 0;
    return this.script('addPlanned4')(this.keys.countedRanges(jobId), this.keys.counters(jobId), this.keys.plannedRows(jobId),
      this.keys.generation(jobId), ...ranges.flatMap((r) => [r.rangeId, r.plannedRows, r.endId]));
  }

  private script(name: 'recordRange4' | 'addPlanned4' | 'rebuildChunk5'): ScriptCommand {
    return (this.redis as unknown as Record<string, ScriptCommand>)[name]!.bind(this.redis);
  }

  /**
   * Broadcast a job's new state (pause, resume, cancel): kept in a key for consumers that start later or
   * missed the message, and published so running consumers react at once. `force` asks consumers to stop
   * the ranges of the job they have in hand.
   */
  async announceJobState(jobId: number, state: string, force = false): Promise<void> {
    const announcement: JobStateAnnouncement = { jobId, state, force };
    await this.redis.multi()
      .set(this.keys.jobState(jobId), state, 'EX', JOB_STATE_TTL_SECONDS)
      .publish(this.keys.stateChannel(), JSON.stringify(announcement))
      .exec();
  }

  /** The announced state of a job, or undefined when none is cached (the ledger then decides). */
  async cachedJobState(jobId: number): Promise<string | undefined> {
    return (await this.redis.get(this.keys.jobState(jobId))) ?? undefined;
  }

  /**
   * Reserve `cost` tracks of the job's fleet-wide rate budget: 0 = go, N = wait N ms first, -1 = the job is
   * held by the throttle (ask again later).
   */
  async acquireRate(jobId: number, cost: number): Promise<number> {
    const command = (this.redis as unknown as { acquireRate: (key: string, now: number, cost: number) => Promise<number> }).acquireRate.bind(this.redis);
    return command(this.keys.throttle(jobId), this.now(), cost);
  }

  async throttleFields(jobId: number): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.throttle(jobId));
  }

  async setThrottleFields(jobId: number, fields: Record<string, string | number>): Promise<void> {
    await this.redis.hset(this.keys.throttle(jobId), fields);
  }

  /**
   * Forget a job's counters so they are rebuilt from the ledger (after ranges are re-run on purpose). The
   * epoch moves on, so a rebuild that read the ledger before the reset cannot write its stale figures after it.
   */
  async resetCounters(jobId: number): Promise<void> {
    await this.redis.multi()
      .del(this.keys.generation(jobId), this.keys.counters(jobId), this.keys.countedRanges(jobId), this.keys.plannedRows(jobId))
      .incr(this.keys.epoch(jobId))
      .exec();
  }

  async heartbeat(beat: ConsumerHeartbeat, ttlSeconds: number): Promise<void> {
    const now = this.now();
    await this.redis
      .multi()
      .zadd(this.keys.consumers(), now, beat.consumerId)
      .set(this.keys.consumer(beat.consumerId), JSON.stringify({ ...beat, lastSeen: new Date(now).toISOString() }), 'EX', ttlSeconds * 20)
      .exec();
  }

  async removeConsumer(consumerId: string): Promise<void> {
    await this.redis.multi().zrem(this.keys.consumers(), consumerId).del(this.keys.consumer(consumerId)).exec();
  }

  /** Consumers seen recently; those silent for longer than the TTL are reported as lost. */
  async consumers(ttlSeconds: number): Promise<(ConsumerHeartbeat & { alive: boolean })[]> {
    const since = this.now() - ttlSeconds * 20 * 1000;
    await this.redis.zremrangebyscore(this.keys.consumers(), '-inf', since);
    const withScores = await this.redis.zrange(this.keys.consumers(), 0, -1, 'WITHSCORES');
    const result: (ConsumerHeartbeat & { alive: boolean })[] = [];
    for (const [id, score] of pairs(withScores)) {
      const raw = await this.redis.get(this.keys.consumer(id));
      if (!raw) continue;
      const beat = JSON.parse(raw) as ConsumerHeartbeat;
      result.push({ ...beat, alive: Number(score) >= this.now() - ttlSeconds * 1000 });
    }
    return result;
  }
}

function* pairs(flat: string[]): Generator<[string, string]> {
  for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i] as string, flat[i + 1] as string];
}
