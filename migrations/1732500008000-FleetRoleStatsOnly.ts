import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fleet role `tracktion_backfill` keeps only what the throttle's probes read: other sessions' lock waits
 * on `tracks` (pg_stat_activity joined to pg_locks) and replication lag (pg_stat_replication) — both visible
 * for other roles' sessions only with pg_read_all_stats. pg_monitor also gave it every server setting
 * (pg_read_all_settings: file paths, configuration) and the WAL/log listing functions, which it never uses.
 * Role membership is cluster-wide, like the role itself; nothing happens when the role does not exist.
 * `down` gives pg_monitor back and takes pg_read_all_stats away: the state before this revision.
 */
export class FleetRoleStatsOnly1732500008000 implements MigrationInterface {
  name = 'FleetRoleStatsOnly1732500008000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracktion_backfill') THEN
          GRANT pg_read_all_stats TO tracktion_backfill;
          IF EXISTS (SELECT 1 FROM pg_auth_members m
                      WHERE m.roleid = 'pg_monitor'::regrole AND m.member = 'tracktion_backfill'::regrole) THEN
            REVOKE pg_monitor FROM tracktion_backfill;
          END IF;
        END IF;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracktion_backfill') THEN
          GRANT pg_monitor TO tracktion_backfill;
          IF EXISTS (SELECT 1 FROM pg_auth_members m
                      WHERE m.roleid = 'pg_read_all_stats'::regrole AND m.member = 'tracktion_backfill'::regrole) THEN
            REVOKE pg_read_all_stats FROM tracktion_backfill;
          END IF;
        END IF;
      END $$`);
  }
}
