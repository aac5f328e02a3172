import type { MigrationInterface, QueryRunner } from 'typeorm';
import { JOB_STATES, RANGE_STATES, sqlStateList } from '../src/shared/ledger/states.js';

/**
 * The ledger's state columns accept only the states of the ledger's state machine (src/shared/ledger/states.ts):
 * a job's state, the from/to states of its events, a range's state. The lists are built from that module when
 * the revision runs; a later change to the state machine needs a revision of its own that replaces these
 * constraints (a database that ran this one keeps the lists it had then).
 *
 * Each constraint is added NOT VALID (a brief lock, no scan) and validated in its own statement (a scan that
 * blocks no writer). Every statement is idempotent: a constraint is dropped if it exists before it is added,
 * so a run stopped half-way is finished by running it again. Ledger tables only — `tracks` is not locked.
 * `down` drops the new constraints and gives ck_backfill_ranges_state back the list it had before.
 */
export class LedgerStateChecks1732500009000 implements MigrationInterface {
  name = 'LedgerStateChecks1732500009000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    const jobStates = sqlStateList(JOB_STATES);
    await queryRunner.query(`SET lock_timeout = '5s'`);
    await replaceCheck(queryRunner, 'backfill_jobs', 'ck_backfill_jobs_state', `state IN (${jobStates})`);
    await replaceCheck(queryRunner, 'backfill_job_events', 'ck_backfill_job_events_from_state', `from_state IS NULL OR from_state IN (${jobStates})`);
    await replaceCheck(queryRunner, 'backfill_job_events', 'ck_backfill_job_events_to_state', `to_state IN (${jobStates})`);
    await replaceCheck(queryRunner, 'backfill_ranges', 'ck_backfill_ranges_state', `state IN (${sqlStateList(RANGE_STATES)})`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET lock_timeout = '5s'`);
    // The range-state list of BackfillOperations1732500003000, as that revision left it.
    await replaceCheck(queryRunner, 'backfill_ranges', 'ck_backfill_ranges_state', `state IN ('pending', 'published', 'done', 'failed', 'rolled_back')`);
    await queryRunner.query(`ALTER TABLE backfill_job_events DROP CONSTRAINT IF EXISTS ck_backfill_job_events_to_state`);
    await queryRunner.query(`ALTER TABLE backfill_job_events DROP CONSTRAINT IF EXISTS ck_backfill_job_events_from_state`);
    await queryRunner.query(`ALTER TABLE backfill_jobs DROP CONSTRAINT IF EXISTS ck_backfill_jobs_state`);
  }
}

/** Drop `name` if it exists, add it NOT VALID with `check`, validate it in its own statement. */
async function replaceCheck(queryRunner: QueryRunner, table: string, name: string, check: string): Promise<void> {
  await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}`);
  await queryRunner.query(`ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${check}) NOT VALID`);
  await queryRunner.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}`);
}
