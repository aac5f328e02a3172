import type pg from 'pg';

/**
 * What the server as a whole has done between two readings: WAL written (bytes between two LSNs) and
 * checkpoints taken. Both are server-wide: other databases' work on the same server counts too.
 */
export interface ServerCounters {
  walLsn: string;
  checkpoints: number;
}

export interface ServerDelta {
  walBytes: number;
  checkpoints: number;
}

// PostgreSQL 17 moved the checkpoint counts from pg_stat_bgwriter to pg_stat_checkpointer.
const CHECKPOINTS_SQL = {
  checkpointer: `SELECT (num_timed + num_requested)::float8 AS checkpoints FROM pg_stat_checkpointer`,
  bgwriter: `SELECT (checkpoints_timed + checkpoints_req)::float8 AS checkpoints FROM pg_stat_bgwriter`,
};

export class ServerCounterReader {
  private checkpointsSql: string | undefined;

  /** `admin`: a pool on another database of the server (the bench database is dropped and recreated). */
  constructor(private readonly admin: pg.Pool) {}

  async read(): Promise<ServerCounters> {
    const checkpointsSql = this.checkpointsSql ?? await this.checkpointsQuery();
    this.checkpointsSql = checkpointsSql;
    const [lsn, checkpoints] = await Promise.all([
      this.admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
      this.admin.query<{ checkpoints: number }>(checkpointsSql),
    ]);
    return { walLsn: lsn.rows[0]?.lsn ?? '0/0', checkpoints: checkpoints.rows[0]?.checkpoints ?? 0 };
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
    return { walBytes: rows[0]?.bytes ?? 0, checkpoints: after.checkpoints - before.checkpoints };
  }
}
