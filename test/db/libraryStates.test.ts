import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/isolation.js';
import { ALEMBIC_ANALYSIS_REVISION, ALEMBIC_LEGACY_REVISION } from '../helpers/alembic.js';
import { buildLibrary, LIBRARY_STATES, type LibraryState } from '../helpers/libraryFixtures.js';
import { FleetHarness } from '../fleet/fleetHarness.js';
import { enqueue } from '../fleet/jobCommands.js';
import { expectDatabaseMatchesConversion } from '../fleet/expectedState.js';
import type { RangeState } from '../../src/shared/ledger/states.js';

/**
 * The whole upgrade over each kind of library the tool meets in the field (test/helpers/libraryFixtures.ts):
 * `db status` names its state, `db migrate` upgrades it, a backfill job converts it, `db verify` passes.
 */

const TRACKS = 2_000;
const FIRST_VERSION = '2024.1';
const SECOND_VERSION = '2024.2';

interface LibraryStatus {
  state: 'empty' | 'legacy' | 'partly-upgraded' | 'upgraded';
  alembicVersion: string | null;
  present: string[];
  missing: string[];
  invalid: string[];
  adopted: { expected: string; found: string }[];
}

/** `alembic_version` after the upgrade: Alembic's analysis revision wherever Alembic manages the library. */
const ALEMBIC_VERSION_AFTER: Record<LibraryState, string | null> = {
  legacy: null,
  'legacy-other-types': null,
  'alembic-before': ALEMBIC_ANALYSIS_REVISION,
  'alembic-after': ALEMBIC_ANALYSIS_REVISION,
};

/** What `db status` must say of each library before the tool has touched it. */
const BEFORE_UPGRADE: Record<LibraryState, (library: LibraryStatus) => void> = {
  legacy: (library) => expect([library.state, library.alembicVersion]).to.deep.equal(['legacy', null]),
  'legacy-other-types': (library) => expect([library.state, library.alembicVersion]).to.deep.equal(['legacy', null]),
  'alembic-before': (library) => expect([library.state, library.alembicVersion]).to.deep.equal(['legacy', ALEMBIC_LEGACY_REVISION]),
  'alembic-after': (library) => {
    expect([library.state, library.alembicVersion]).to.deep.equal(['partly-upgraded', ALEMBIC_ANALYSIS_REVISION]);
    // Alembic's revision made no unique key on history, and PostgreSQL named its unnamed foreign key.
    expect(library.missing).to.include('uq_analysis_history_track_type_version');
    expect(library.adopted).to.deep.include({ expected: 'fk_analysis_history_track', found: 'analysis_history_track_id_fkey' });
  },
};

async function libraryStatus(env: NodeJS.ProcessEnv): Promise<LibraryStatus> {
  const result = await runCli(['db', 'status', '--json'], { env });
  expect(result.code, result.stderr).to.equal(0);
  const status = JSON.parse(result.stdout) as { library?: LibraryStatus };
  expect(status.library, `db status --json has no library: ${result.stdout}`).to.be.an('object');
  return status.library as LibraryStatus;
}

/** Tracks at an analysis version, and history rows of it: the same numbers once a job has converted them. */
async function countVersion(pool: pg.Pool, version: string): Promise<{ tracks: number; history: number }> {
  const { rows: [row] } = await pool.query<{ tracks: string; history: string }>(`
    SELECT (SELECT count(*) FROM tracks WHERE analysis_version = $1) AS tracks,
           (SELECT count(*) FROM analysis_history WHERE analysis_version = $1) AS history`, [version]);
  return { tracks: Number(row?.tracks), history: Number(row?.history) };
}

/** The job ends completed with every range done; otherwise the failure names the ranges' errors. */
async function expectJobCompletes(fleet: FleetHarness, jobId: number): Promise<void> {
  const state = await fleet.waitForJobEnd(jobId);
  const { rows } = await fleet.pool.query<{ state: string; last_error: string | null; ranges: string }>(
    'SELECT state, last_error, count(*) AS ranges FROM backfill_ranges WHERE job_id = $1 AND state <> $2 GROUP BY 1, 2',
    [jobId, 'done' satisfies RangeState]);
  expect({ state, rangesNotDone: rows }).to.deep.equal({ state: 'completed', rangesNotDone: [] });
}

async function expectVerifyPasses(env: NodeJS.ProcessEnv): Promise<void> {
  const result = await runCli(['db', 'verify'], { env });
  expect(result.stdout, result.stderr).not.to.match(/^FAIL /m);
  expect(result.code, result.stdout + result.stderr).to.equal(0);
}

for (const state of LIBRARY_STATES) {
  describe(`upgrading a library in state ${state} (${TRACKS} tracks)`, function () {
    this.timeout(180_000);
    const fleet = new FleetHarness();
    let env: NodeJS.ProcessEnv;
    let backupDir: string;

    before(async function () {
      // The harness's setUp would make a library the tool created; this one is built as the field's are,
      // then handed to the harness, whose tearDown drops it with the fleet's queues and keys.
      fleet.db = await createTestDatabase('tm_library');
      await buildLibrary(fleet.db.url, state, { tracks: TRACKS });
      fleet.pool = new pg.Pool({ connectionString: fleet.db.url, max: 2 });
      fleet.pool.on('error', () => undefined);
      backupDir = await mkdtemp(join(tmpdir(), 'tm-library-backups-'));
      env = fleet.env({ BACKUP_DIR: backupDir });
    });
    after(async function () {
      await fleet.tearDown();
      if (backupDir) await rm(backupDir, { recursive: true, force: true });
    });

    it('db status --json names the library state before the upgrade', async function () {
      BEFORE_UPGRADE[state](await libraryStatus(env));
    });

    it('db migrate exits 0 and db status then says upgraded, with alembic_version at the analysis revision where Alembic manages it', async function () {
      const result = await runCli(['db', 'migrate'], { env });
      expect(result.code, result.stderr).to.equal(0);
      const library = await libraryStatus(env);
      expect([library.state, library.alembicVersion]).to.deep.equal(['upgraded', ALEMBIC_VERSION_AFTER[state]]);
    });

    it('a backfill job run by a producer and a consumer converts every convertible track; db verify passes', async function () {
      fleet.start(['producer']);
      fleet.start(['consumer']);
      const jobId = await enqueue(fleet, ['--analysis-version', FIRST_VERSION]);
      await expectJobCompletes(fleet, jobId);
      const counts = await expectDatabaseMatchesConversion(fleet.pool, jobId, FIRST_VERSION);
      expect(counts.converted).to.be.greaterThan(TRACKS * 0.9);
      expect(counts.converted + counts.failed + counts.skipped).to.equal(TRACKS);
      await expectVerifyPasses(env);
    });

    it('a second job with a new analysis version completes with no failed range (it needs the unique key on history)', async function () {
      const converted = await countVersion(fleet.pool, FIRST_VERSION);
      const jobId = await enqueue(fleet, ['--analysis-version', SECOND_VERSION]);
      await expectJobCompletes(fleet, jobId);
      expect(await countVersion(fleet.pool, SECOND_VERSION)).to.deep.equal(converted);
      await expectVerifyPasses(env);
    });
  });
}
