import type pg from 'pg';
import { isFinalJobState, type JobState } from '../../../src/shared/ledger/states.js';
import type { ProgressSample } from './series.js';

/**
 * The job's converted count, read from the ledger every few seconds while the fleet works: the sum of
 * its ranges' `converted` (one row per range, a few thousand at 10M tracks: cheap, unlike counting
 * analysis_history). Times are the ledger's, since the job's created_at, like the fleet's own seconds;
 * the last reading is the job's finished_at, so the series ends where the job did.
 */
const PROGRESS_SQL = `
  SELECT extract(epoch FROM coalesce(j.finished_at, clock_timestamp()) - j.created_at)::float8 AS seconds, j.state,
         (SELECT coalesce(sum(r.converted), 0)::float8 FROM backfill_ranges r WHERE r.job_id = j.id) AS converted
    FROM backfill_jobs j WHERE j.id = $1`;

export class ProgressSampler {
  private readonly samples: ProgressSample[] = [];
  private running = true;
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  private error: unknown;
  private finalSeen = false;

  constructor(private readonly pool: pg.Pool, private readonly jobId: number, private readonly everySeconds: number,
    private readonly say: (line: string) => void) {}

  start(): void {
    this.loop = this.run().catch((err: unknown) => {
      this.error = err;
    });
  }

  /**
   * Stop reading and return every reading, the last one taken now if the loop was still waiting (the job
   * is over: its finished_at closes the series). A failed reading fails the run here.
   */
  async stop(): Promise<ProgressSample[]> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.error !== undefined) throw this.error;
    if (!this.finalSeen) await this.read();
    return this.samples;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.read();
      if (this.finalSeen || !this.running) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.everySeconds * 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async read(): Promise<void> {
    const { rows } = await this.pool.query<{ seconds: number; state: JobState; converted: number }>(PROGRESS_SQL, [this.jobId]);
    const row = rows[0];
    if (!row) throw new Error(`job ${this.jobId} vanished from the ledger`);
    const previous = this.samples.at(-1);
    this.samples.push({ seconds: Math.round(row.seconds * 100) / 100, converted: row.converted });
    if (previous && row.seconds > previous.seconds) {
      const rate = Math.round((row.converted - previous.converted) / (row.seconds - previous.seconds));
      this.say(`backfill: ${row.converted} tracks converted at ${row.seconds.toFixed(0)} s (${rate} tracks/s since the last reading)`);
    }
    this.finalSeen = isFinalJobState(row.state);
  }
}
