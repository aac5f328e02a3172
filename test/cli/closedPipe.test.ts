import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { CLI_PATH } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * `tracktion-migrate … | head -1`: the reader goes away after one line. Every reporting command must then end
 * quietly — exit 0, no stack trace — as line tools do. Here the reader is gone before the first write (the
 * child's stdout pipe is closed at once), so every write of the command meets EPIPE: no timing luck involved.
 */

interface Ended { code: number | null; stderr: string }

function runWithClosedStdout(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.on('error', () => undefined).end(input);
  });
}

describe('reporting commands into a closed pipe (| head -1)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let jobId: number;
  let envFile: string;

  before(async () => {
    db = await createTestDatabase('tm_cli_pipe');
    await migrateToLatest(db.url, allMigrations);
    env = testEnv({ DATABASE_URL: db.url });
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      await pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at) SELECT g, '/m/' || g, '{}', now() FROM generate_series(1, 50) g`);
      const { rows } = await pool.query<{ id: number }>(
        `INSERT INTO backfill_jobs (analysis_version, range_size, state) VALUES ('2024.1', 250, 'completed') RETURNING id::float8 AS id`);
      jobId = (rows[0] as { id: number }).id;
      // Enough rows that the export is more than a pipe's worth (64 KiB).
      await pool.query(
        `INSERT INTO backfill_errors (job_id, range_id, track_id, file_path, code, key, message)
         SELECT $1, 1, g, '/music/artist/album/track-' || g || '.flac', 'invalid_value', 'energy', 'energy is not a number: "high"'
           FROM generate_series(1, 5000) g`, [jobId]);
    } finally {
      await pool.end();
    }
    const dir = await mkdtemp(join(tmpdir(), 'tm-pipe-'));
    envFile = join(dir, '.env');
    await writeFile(envFile, 'DB_HOST=localhost\nDB_PORT=5432\nLOG_LEVEL=INFO\n');
  });
  after(() => db.drop());

  const commands: [string, () => string[], string?][] = [
    ['db plan --all', () => ['db', 'plan', '--all']],
    ['db status', () => ['db', 'status']],
    ['db status --json', () => ['db', 'status', '--json']],
    ['db verify', () => ['db', 'verify']],
    ['backfill errors', () => ['backfill', 'errors', String(jobId)]],
    ['backfill errors --csv', () => ['backfill', 'errors', String(jobId), '--csv']],
    ['backfill errors --json', () => ['backfill', 'errors', String(jobId), '--json']],
    ['backfill list', () => ['backfill', 'list']],
    ['backfill ranges', () => ['backfill', 'ranges', String(jobId)]],
    ['env migrate --dry-run', () => ['env', 'migrate', '--dry-run', envFile]],
    ['convert', () => ['convert'], `${JSON.stringify('{"energy": 0.5}')}\n`.repeat(20_000)],
  ];

  for (const [name, args, input] of commands) {
    it(`${name} ends quietly`, async () => {
      const ended = await runWithClosedStdout(args(), env, input);
      expect(ended.stderr).to.not.match(/EPIPE|\n\s+at |Error:/);
      expect(ended.code, ended.stderr).to.equal(0);
    });
  }
});
