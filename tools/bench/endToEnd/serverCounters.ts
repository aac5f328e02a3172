import type pg from 'pg';

/**
 * What the server as a whole has done between two readings: WAL written (bytes between two LSNs) and
 * checkpoints taken. Both are server-wide: other databases' work on the same server counts too, so the
 * rows other databases wrote meanwhile are counted as well — when not 0, the WAL figure is not the bench's alone.
 */
export interface ServerCounters {
  walLsn: string;
  checkpoints: number;
  otherRowWrites: number;
}

export interface ServerDelta {
  walBytes: number;
  checkpoints: number;
  /** Rows inserted, updated or deleted in the server's other databases (pg_stat_database; a second or so late). */
  otherRowWrites: number;
}

const OTHER_WRITES_SQL = `
  SELECT coalesce(sum(tup_inserted + tup_updated + tup_deleted), 0)::float8 AS writes
    FROM pg_stat_database WHERE datname IS NOT NULL AND datname <> $1`;

// PostgreSQL 17 moved the checkpoint counts from pg_stat_bgwriter to pg_stat_checkpointer.
const CHECKPOINTS_SQL = {
  checkpointer: `SELECT (num_timed + num_requested)::float8 AS checkpoints FROM pg_stat_checkpointer`,
  bgwriter: `SELECT (checkpoints_timed + checkpoints_req)::float8 AS checkpoints FROM pg_stat_bgwriter`,
};

export class ServerCounterReader {
  private checkpointsSql: string | undefined;

  /** `admin`: a pool on another database of the server (the bench database is dropped and recreated). */
  constructor(private readonly admin: pg.Pool, private readonly benchDatabase: string) {}

  async read(): Promise<ServerCounters> {
    const checkpointsSql = this.checkpointsSql ?? await this.checkpointsQuery();
    this.checkpointsSql = checkpointsSql;
    const [lsn, checkpoints, others] = await Promise.all([
      this.admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
      this.admin.query<{ checkpoints: number }>(checkpointsSql),
      this.admin.query<{ writes: number }>(OTHER_WRITES_SQL, [this.benchDatabase]),
    ]);
    return { walLsn: lsn.rows[0]?.lsn ?? '0/0', checkpoints: checkpoints.rows[0]?.checkpoints ?? 0, otherRowWrites: others.rows[0]?.writes ?? 0 };
  }

  /** The bench database's size on disk now (tables, indexes, TOAST; not the WAL). */
  async databaseBytes(): Promise<number> {
    const { rows } = await this.admin.query<{ bytes: number }>('SELECT pg_database_size($1)::float8 AS bytes', [this.benchDatabase]);
    return rows[0]?.bytes ?? 0;
  }

  private async checkpointsQuery(): Promise<string> {
    const { rows } = await this.admin.query<{ present: boolean }>(
      `SELECT to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL AS present`);
    return rows[0]?.present ? CHECKPOINTS_SQL.checkpointer : CHECKPOINTS_SQL.bgwriter;
  }

  async since(before: ServerCounters): Promise<ServerDelta> {
    const after = await this.read();
    const { rows } = await this.admin.query<{ bytes: number }>(
      'SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::float8 AS bytes', [after.walLsn, before.walLsn]);
    // A database dropped meanwhile takes its counts along: never report a negative figure.
    return { walBytes: rows[0]?.bytes ?? 0, checkpoints: after.checkpoints - before.checkpoints,
      otherRowWrites: Math.max(0, after.otherRowWrites - before.otherRowWrites) };
  }
}
