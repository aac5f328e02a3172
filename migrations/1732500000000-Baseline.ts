import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RefusedError } from '../src/schema/errors.js';
import { probe, runSteps, stepContextOf, type Probe, type Step } from '../src/schema/steps.js';

/**
 * Baseline: the legacy `tracks` table as the old Tracktion created it. An existing library is *adopted*
 * as it is (nothing is created or changed); only an empty database gets the table, marked by its comment
 * so that `down` can tell "we created it" from "it was already there" and never drops an adopted library.
 */

const REVISION = 'Baseline1732500000000';
export const BASELINE_TABLE_COMMENT = 'Tracktion library: one row per audio file (created by migration Baseline1732500000000)';

const TRACKS_EXISTS: Probe = {
  sql: `SELECT 1 FROM pg_class WHERE oid = to_regclass($1) AND relkind IN ('r', 'p')`,
  params: ['tracks'],
  describe: 'table tracks exists (an existing library is adopted as it is)',
};

/** $1 = the marker comment: true when this revision created `tracks`. */
const TRACKS_CREATED_BY_BASELINE: Probe = {
  sql: `SELECT 1 FROM pg_class WHERE oid = to_regclass('tracks') AND obj_description(oid, 'pg_class') = $1`,
  params: [BASELINE_TABLE_COMMENT],
  describe: 'tracks was created by this revision',
};

const TRACKS_HAS_ROWS: Probe = {
  sql: 'SELECT 1 FROM tracks LIMIT 1',
  params: [],
  describe: 'tracks holds rows',
};

const UP: readonly Step[] = [
  {
    title: 'create legacy table tracks',
    kind: 'online',
    table: 'tracks',
    sql: `CREATE TABLE IF NOT EXISTS tracks (
  id integer PRIMARY KEY,
  file_path text NOT NULL,
  analysis_data text NULL,
  created_at timestamp NOT NULL
)`,
  },
  {
    title: 'mark tracks as created by the baseline',
    kind: 'online',
    table: 'tracks',
    // COMMENT takes no bind parameters; the text is the constant above, quotes doubled.
    sql: `COMMENT ON TABLE tracks IS '${BASELINE_TABLE_COMMENT.replace(/'/g, "''")}'`,
  },
];

const DOWN: readonly Step[] = [
  {
    title: 'drop table tracks created by the baseline',
    kind: 'blocking',
    table: 'tracks',
    sql: 'DROP TABLE IF EXISTS tracks',
    lintIgnore: { rule: 'ban-drop-table', reason: 'only an empty tracks table this revision created is dropped' },
  },
];

export class Baseline1732500000000 implements MigrationInterface {
  name = REVISION;
  // Runs in a transaction: the table and its marker comment exist together or not at all.
  transaction = true;

  async up(queryRunner: QueryRunner): Promise<void> {
    if (await probe(queryRunner, TRACKS_EXISTS)) {
      stepContextOf(queryRunner).logger.info({ revision: REVISION }, 'tracks exists: adopted as it is, nothing created');
      return;
    }
    await runSteps(queryRunner, REVISION, UP);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (!(await probe(queryRunner, TRACKS_CREATED_BY_BASELINE))) {
      stepContextOf(queryRunner).logger.info({ revision: REVISION }, 'tracks was adopted, not created by the baseline: left in place');
      return;
    }
    if (await probe(queryRunner, TRACKS_HAS_ROWS)) {
      throw new RefusedError(
        'rollback of the baseline refused: tracks holds library data and is never dropped by a migration — drop it by hand if you really mean it',
      );
    }
    await runSteps(queryRunner, REVISION, DOWN);
  }
}
