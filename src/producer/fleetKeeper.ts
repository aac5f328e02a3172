import type pg from 'pg';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { finishJobIfDone } from '../shared/ledger/jobs.js';
import { syncCountersFromLedger } from '../shared/coordinator/syncFromLedger.js';
import type { Logger } from '../shared/logger.js';

const KEEP_INTERVAL_MS = 5000;

/**
 * The producer's housekeeping for the whole fleet, driven by the ledger:
 * - requests Redis lost (a restart, a flush) are re-added for jobs the ledger says are not enumerated;
 * - the coordinator's counters are brought back in line with the ledger after a flush;
 * - a job whose last range was committed by a consumer that died before closing the job is closed.
 */
export class FleetKeeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: {
    pool: pg.Pool; coordinator: Coordinator; logger: Logger; readdRequest: (jobId: number) => Promise<void>;
  }) {}

  async recoverRequests(): Promise<void> {
    const { rows } = await this.deps.pool.query<{ id: number }>(
      `SELECT id::float8 AS id FROM backfill_jobs WHERE state IN ('queued', 'enumerating') ORDER BY id`);
    for (const { id } of rows) await this.deps.readdRequest(id);
    if (rows.length > 0) this.deps.logger.info({ jobs: rows.map((r) => r.id) }, 'ensured a backfill request exists for every job not yet enumerated');
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.keep().catch((err: unknown) => this.deps.logger.warn({ err }, 'fleet housekeeping failed; retrying next round'))
        .finally(() => (this.running = undefined));
    }, KEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round over the jobs that are running. */
  async keep(): Promise<void> {
    const { rows } = await this.deps.pool.query<{ id: number }>(`SELECT id::float8 AS id FROM backfill_jobs WHERE state = 'running'`);
    for (const { id } of rows) {
      await syncCountersFromLedger(this.deps.pool, this.deps.coordinator, id);
      await finishJobIfDone(this.deps.pool, id);
    }
  }
}
