import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Least privilege for the fleet: the role `tracktion_backfill` gets exactly what producers and consumers
 * need in this database — read the legacy columns of `tracks` and update only the analysis columns, insert
 * history rows, and work the ledger — nothing else (no DDL, no DELETE on library data).
 * Roles are cluster-wide, so the role is created only when missing and `down` revokes its grants in this
 * database but keeps the role (other databases of the cluster may use it). Give it LOGIN and a password
 * outside the migration (`ALTER ROLE tracktion_backfill LOGIN PASSWORD …`): a secret never lives in a revision.
 */
export class BackfillRole1732500004000 implements MigrationInterface {
  name = 'BackfillRole1732500004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracktion_backfill') THEN
          CREATE ROLE tracktion_backfill NOLOGIN;
        END IF;
        -- Read-only statistics: the throttle reads lock waits and replication lag of other sessions.
        GRANT pg_monitor TO tracktion_backfill;
      END $$`);
    for (const statement of GRANTS) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    for (const statement of REVOKES) await queryRunner.query(statement);
  }
}

const ANALYSIS_COLUMNS = 'energy_level, danceability, valence, acousticness, instrumentalness, analysis_version, analysis_metadata';

const GRANTS = [
  `GRANT SELECT (id, file_path, analysis_data, created_at, ${ANALYSIS_COLUMNS}) ON tracks TO tracktion_backfill`,
  `GRANT UPDATE (${ANALYSIS_COLUMNS}) ON tracks TO tracktion_backfill`,
  `GRANT SELECT, INSERT ON analysis_history TO tracktion_backfill`,
  `GRANT USAGE ON SEQUENCE analysis_history_id_seq, backfill_errors_id_seq, backfill_job_events_id_seq TO tracktion_backfill`,
  `GRANT SELECT, INSERT, UPDATE ON backfill_jobs, backfill_ranges, backfill_errors, backfill_job_events, backfill_track_snapshots TO tracktion_backfill`,
];

const REVOKES = [
  `REVOKE ALL ON backfill_jobs, backfill_ranges, backfill_errors, backfill_job_events, backfill_track_snapshots FROM tracktion_backfill`,
  `REVOKE ALL ON SEQUENCE analysis_history_id_seq, backfill_errors_id_seq, backfill_job_events_id_seq FROM tracktion_backfill`,
  `REVOKE ALL ON analysis_history FROM tracktion_backfill`,
  `REVOKE ALL (id, file_path, analysis_data, created_at, ${ANALYSIS_COLUMNS}) ON tracks FROM tracktion_backfill`,
  `REVOKE ALL ON tracks FROM tracktion_backfill`,
];
