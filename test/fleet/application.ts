import pg from 'pg';
import { pause } from '../helpers/waitFor.js';

/**
 * The music application's own writes to `tracks`, run concurrently with a backfill: loops of inserts, deletes,
 * play-count increments and legacy blob rewrites, each counting only what it committed. Ids are drawn half
 * from the ranges of the job not done yet (the ones being converted now: where a race can happen) and half
 * from anywhere in `bounds` (before or after their range's conversion).
 */
export class Application {
  private readonly pool: pg.Pool;
  private readonly loops: Promise<void>[] = [];
  private stopped = false;
  private frontier: { startId: number; endId: number }[] = [];
  private frontierReadAt = 0;
  /** Commit times (ms since epoch) of every write, to show they ran while the job did. */
  readonly commitTimes: number[] = [];
  /** Tracks deleted when a row error of theirs was already committed. */
  readonly deletedAfterRowError = new Set<number>();
  /** Every error a write met, which must stay empty: the application never fails because of the backfill. */
  readonly failures: string[] = [];

  constructor(databaseUrl: string, private readonly jobId: number, private readonly bounds: { minId: number; maxId: number }) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 6, application_name: 'the application' });
    this.pool.on('error', () => undefined);
  }

  /** Run `write` in a loop until stop(); a write returns whether it committed a change. */
  run(write: (app: Application) => Promise<boolean>, pauseMs = 2): void {
    this.loops.push((async () => {
      while (!this.stopped) {
        try {
          if (await write(this)) this.commitTimes.push(Date.now());
        } catch (err) {
          this.failures.push(err instanceof Error ? err.message : String(err));
        }
        await pause(pauseMs);
      }
    })());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    await this.pool.end();
  }

  query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(sql, params);
  }

  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** A random id in the job's bounds: half the time inside a range not converted yet. */
  async randomId(): Promise<number> {
    if (Math.random() < 0.5) {
      if (Date.now() - this.frontierReadAt > 50) {
        const { rows } = await this.pool.query<{ startId: number; endId: number }>(
          `SELECT start_id::float8 AS "startId", end_id::float8 AS "endId" FROM backfill_ranges
            WHERE job_id = $1 AND state <> 'done' ORDER BY range_id LIMIT 3`, [this.jobId]);
        this.frontier = rows;
        this.frontierReadAt = Date.now();
      }
      const range = this.frontier[Math.floor(Math.random() * this.frontier.length)];
      if (range) return range.startId + Math.floor(Math.random() * (range.endId - range.startId + 1));
    }
    return this.bounds.minId + Math.floor(Math.random() * (this.bounds.maxId - this.bounds.minId + 1));
  }

  /** The application's delete: lock the track, delete its history rows, then the track (the foreign key asks for that order). */
  async deleteTrack(id: number): Promise<boolean> {
    return this.transaction(async (client) => {
      const { rowCount } = await client.query('SELECT 1 FROM tracks WHERE id = $1 FOR UPDATE', [id]);
      if (!rowCount) return false;
      // Locked, the track's range is committed or not written yet: a row error seen now was recorded before the delete.
      const { rowCount: errors } = await client.query('SELECT 1 FROM backfill_errors WHERE track_id = $1', [id]);
      if (errors) this.deletedAfterRowError.add(id);
      await client.query('DELETE FROM analysis_history WHERE track_id = $1', [id]);
      await client.query('DELETE FROM tracks WHERE id = $1', [id]);
      return true;
    });
  }
}
