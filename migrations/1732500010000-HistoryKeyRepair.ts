import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ALEMBIC_AFTER_ANALYSIS_UP } from '../src/schema/alembic.js';
import { runSteps, stepContextOf, type Probe, type Step } from '../src/schema/steps.js';
import { FK_NAME, historyUniqueKey, refuseDuplicateHistory } from './1732500001000-AnalysisFields.js';

/**
 * Repair of a library that an older version of this tool migrated over the application's own Alembic upgrade:
 * that version took the existing analysis_history as its own, so the history has no unique key (every second
 * backfill job failed: "no unique or exclusion constraint matching the ON CONFLICT specification"), carries two
 * foreign keys to tracks (Alembic's and ours), and alembic_version was left at the revision before the upgrade.
 * Here the unique key is built (concurrently, after the same duplicate check as AnalysisFields), our duplicate
 * foreign key is dropped (Alembic's stands for it) and alembic_version follows. On every other library each step
 * finds its work done and skips. Nothing to undo: the unique key goes with analysis_history when AnalysisFields
 * is reverted.
 */

const REVISION = 'HistoryKeyRepair1732500010000';

const NO_DUPLICATE_FOREIGN_KEY: Probe = {
  sql: `SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = $1 AND conrelid = to_regclass('analysis_history'))
     OR NOT EXISTS (SELECT 1 FROM pg_constraint
                     WHERE conrelid = to_regclass('analysis_history') AND contype = 'f' AND conname <> $1
                       AND confrelid = to_regclass('tracks') AND pg_get_constraintdef(oid) LIKE 'FOREIGN KEY (track_id) REFERENCES tracks(id)%')`,
  params: [FK_NAME],
  describe: `${FK_NAME} is the only foreign key analysis_history (track_id) → tracks (id)`,
};

const UP: readonly Step[] = [
  ...historyUniqueKey(),
  {
    title: `drop ${FK_NAME} where another foreign key of the same shape exists`,
    kind: 'blocking',
    table: 'analysis_history',
    sql: `ALTER TABLE analysis_history DROP CONSTRAINT IF EXISTS ${FK_NAME}`,
    skipWhen: NO_DUPLICATE_FOREIGN_KEY,
  },
  ALEMBIC_AFTER_ANALYSIS_UP,
];

export class HistoryKeyRepair1732500010000 implements MigrationInterface {
  name = REVISION;
  // CREATE INDEX CONCURRENTLY cannot run in a transaction.
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await refuseDuplicateHistory(queryRunner);
    await runSteps(queryRunner, REVISION, UP);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    stepContextOf(queryRunner).logger.info({ revision: REVISION }, 'nothing to undo: the repaired key goes with analysis_history when AnalysisFields is reverted');
  }
}
