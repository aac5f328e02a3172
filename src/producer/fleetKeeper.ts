import type pg from 'pg';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { finishJobIfDone, getJob, jobsNeedingPlanning, jobsToKeep, reopenUncoveredPlanning, transitionJob } from '../shared/ledger/jobs.js';
import type { RequestedJob } from './requestQueue.js';
import { evaluateThrottle, tightenThrottle } from '../operations/throttle.js';
import { QUICK_PROBE } from '../operations/appLatencyProbe.js';
import { WORKING_JOB_STATES } from '../shared/ledger/states.js';
import type { ThrottleLimits } from '../operations/throttlePolicy.js';
import type { LatencyGuard } from '../operations/latencyGuard.js';
import { walHeadroomForJob } from '../operations/walHeadroom.js';
import { syncCountersFromLedger } from '../shared/coordinator/syncFromLedger.js';
import type { Logger } from '../shared/logger.js';

const KEEP_INTERVAL_MS = 5000;
/**
 * The latency guard also looks every second between rounds, and may only lower the rate there: a job of a
 * few rounds would be nearly over before a 5-s round noticed it. Raising stays with the 5-s rounds.
 */
const GUARD_INTERVAL_MS = 1000;

/**
 * The producer's housekeeping for the whole fleet, driven by the ledger:
 * - a job the ledger says is not fully planned always has a request: one Redis lost (a restart, a flush) is
 *   re-added, one that used up its attempts (an outage) is added again as a new attempt;
 * - a job whose planning is marked complete while its ranges leave ids uncovered (a bug) is planned again;
 * - the coordinator's counters are brought back in line with the ledger after a flush;
 * - a job whose last range was committed by a consumer that died before closing the job is closed;
 * - a cancelling job becomes cancelled once no live consumer holds a range of it;
 * - a job resumed while its enumeration was finishing moves on to running;
 * - the throttle of every running job is re-decided from the database's health and, with the latency guard,
 *   from what the application feels (measured once per round for all jobs).
 */
export class FleetKeeper {
  private timer: NodeJS.Timeout | undefined;
  private guardTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private guarding: Promise<void> | undefined;
  /** Jobs whose expected WAL was checked against max_wal_size (once per job and producer). */
  private readonly walChecked = new Set<number>();

  constructor(private readonly deps: {
    pool: pg.Pool; coordinator: Coordinator; logger: Logger; readdRequest: (job: RequestedJob) => Promise<boolean>;
    heartbeatTtlSeconds: number; throttleLimits: ThrottleLimits; latencyGuard?: LatencyGuard;
  }) {}

  async recoverRequests(): Promise<void> {
    for (const job of await jobsNeedingPlanning(this.deps.pool)) {
      if (await this.deps.readdRequest(job)) this.deps.logger.warn({ jobId: job.id }, 'the job\'s planning is unfinished and it had no live request: added one');
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.keep().catch((err: unknown) => this.deps.logger.warn({ err }, 'fleet housekeeping failed; retrying next round'))
        .finally(() => (this.running = undefined));
    }, KEEP_INTERVAL_MS);
    this.timer.unref();
    if (this.deps.latencyGuard?.target) {
      this.guardTimer = setInterval(() => {
        // Never beside a full round: both decide the same budget.
        if (this.running) return;
        this.guarding ??= this.guardBetweenRounds().catch((err: unknown) => this.deps.logger.warn({ err }, 'latency guard check failed; retrying'))
          .finally(() => (this.guarding = undefined));
      }, GUARD_INTERVAL_MS);
      this.guardTimer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.guardTimer);
    await this.running;
    await this.guarding;
  }

  /** Between rounds: measure the application's latency and lower the budget of working jobs if it is over its target. */
  async guardBetweenRounds(): Promise<void> {
    const { pool, coordinator, logger, latencyGuard } = this.deps;
    if (!latencyGuard) return;
    const working = (await jobsToKeep(pool)).filter((j) => WORKING_JOB_STATES.includes(j.state));
    if (working.length === 0) return;
    if (!(await latencyGuard.measure(pool, false, logger, Date.now(), QUICK_PROBE))) return;
    for (const job of working) await tightenThrottle({ pool, coordinator, logger, guard: latencyGuard }, job.id, job.maxRate, this.deps.throttleLimits);
  }

  /** One round over the jobs that are not finished. */
  async keep(): Promise<void> {
    await this.guarding;
    const { pool, coordinator, logger } = this.deps;
    // Redis may have lost requests since the last round (flush, failover): adding one that exists is a no-op.
    await this.recoverRequests();
    const jobs = await jobsToKeep(pool);
    await this.deps.latencyGuard?.measure(pool, await this.noJobConverting(jobs), logger);
    for (const job of jobs) {
      await syncCountersFromLedger(pool, coordinator, job.id);
      if (job.state === 'enumerating' && job.enumerationComplete) {
        await transitionJob(pool, job.id, ['enumerating'], 'running', 'fleet', 'enumeration had finished while the job was paused');
      }
      if (job.state === 'running' && !(await finishJobIfDone(pool, job.id)) && (await reopenUncoveredPlanning(pool, job.id))) {
        logger.error({ jobId: job.id }, 'BUG: the job\'s planning was marked complete but its ranges do not cover its bounds; it is not completed, and planning resumes after its last range');
      }
      // Enumerating jobs convert too: planning is paced by the consumers, so a job is planned while it runs.
      if (WORKING_JOB_STATES.includes(job.state)) {
        await this.noteWalHeadroom(job.id);
        await evaluateThrottle({ pool, coordinator, logger, guard: this.deps.latencyGuard }, job.id, job.maxRate, this.deps.throttleLimits);
      }
      if (job.state === 'cancelling' && !(await this.rangesInHand(job.id))) {
        await transitionJob(pool, job.id, ['cancelling'], 'cancelled', 'fleet', 'no range of the job in hand any more');
      }
    }
  }

  /** Once per job: a NOTE when the job will write more WAL than max_wal_size allows between checkpoints. */
  private async noteWalHeadroom(jobId: number): Promise<void> {
    if (this.walChecked.has(jobId)) return;
    this.walChecked.add(jobId);
    const job = await getJob(this.deps.pool, jobId);
    const note = job ? await walHeadroomForJob(this.deps.pool, job.minId, job.maxId).catch(() => null) : null;
    if (note) this.deps.logger.warn({ jobId }, note);
  }

  /** True when no job converts: none is working or cancelling, or every one is held by its throttle (rate 0). */
  private async noJobConverting(jobs: { id: number; state: string }[]): Promise<boolean> {
    for (const job of jobs.filter((j) => j.state !== 'paused')) {
      if ((await this.deps.coordinator.throttleFields(job.id)).rate !== '0') return false;
    }
    return true;
  }

  private async rangesInHand(jobId: number): Promise<boolean> {
    const consumers = await this.deps.coordinator.consumers(this.deps.heartbeatTtlSeconds);
    return consumers.some((c) => c.alive && c.currentRanges.some((r) => r.startsWith(`${jobId}:`)));
  }
}
