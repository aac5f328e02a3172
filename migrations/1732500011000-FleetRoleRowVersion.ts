import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fleet role `tracktion_backfill` may read `tracks.xmin`, the row version. The range write compares it with
 * the version its read saw — to take a track only while its legacy blob is the one converted, and, on a track
 * that already had values, only while they are the ones snapshotted for rollback — and a system column is not
 * covered by the column grants of BackfillRole1732500004000 (without this the role's every range ends
 * "permission denied for table tracks"). A column grant, not table-wide SELECT: the role still reads no column
 * of the application's own. Nothing happens when the role does not exist; `down` takes the grant back.
 */
export class FleetRoleRowVersion1732500011000 implements MigrationInterface {
  name = 'FleetRoleRowVersion1732500011000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracktion_backfill') THEN
          GRANT SELECT (xmin) ON tracks TO tracktion_backfill;
        END IF;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracktion_backfill') THEN
          REVOKE SELECT (xmin) ON tracks FROM tracktion_backfill;
        END IF;
      END $$`);
  }
}
