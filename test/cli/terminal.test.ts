import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { CLI_PATH, runCli } from '../helpers/cli.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/isolation.js';

/** Any ANSI escape sequence (colour, cursor movement, erase). */
// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const ESCAPE = /\x1b\[/;
const STEP_DONE = /step done: /;

/**
 * Run the CLI on a pseudo-terminal (util-linux `script`), stdout and stderr both to it, as a person would.
 * Its output is what the terminal received (with \r\n line ends).
 */
function runOnTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI_PATH, ...args].map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** A fresh database for each run: db migrate has work to do (and so schema steps to log) every time. */
describe('a terminal that reads well: log format, colour, level flags', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  const env = (extra: Record<string, string> = {}) => {
    const base = testEnv({ DATABASE_URL: db.url, ...extra });
    delete base.LOG_LEVEL;
    delete base.NO_COLOR;
    delete base.LOG_PRETTY;
    delete base.LOG_FORMAT;
    return { ...base, ...extra };
  };
  beforeEach(async () => {
    db = await createTestDatabase('tm_cli_term');
  });
  afterEach(() => db.drop());

  it('at the default level db migrate prints its verdicts, not a log line a schema step', async () => {
    const result = await runCli(['db', 'migrate', '--no-backup'], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/^pre-flight {2}OK/m);
    expect(result.stderr).to.match(/^migrated to /m);
    expect(result.stderr, 'no step log at info').not.to.match(STEP_DONE);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('{')), 'no JSON log lines').to.deep.equal([]);
  });

  it('--verbose (before or after the command) shows every step with its duration; into a pipe as JSON lines without escape codes', async () => {
    const result = await runCli(['db', 'migrate', '--no-backup', '--verbose'], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    const logs = result.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; ms?: number });
    const steps = logs.filter((l) => STEP_DONE.test(l.msg));
    expect(steps.length).to.be.greaterThan(10);
    expect(steps.every((s) => typeof s.ms === 'number')).to.equal(true);
    expect(result.stderr).not.to.match(ESCAPE);
  });

  it('--quiet leaves out info and debug lines; a bad --log-level is a usage error naming the levels', async () => {
    const quiet = await runCli(['--quiet', 'db', 'status', '--json'], { env: env({ LOG_LEVEL: 'debug' }) });
    expect(quiet.code, quiet.stderr).to.equal(0);
    expect(quiet.stderr).to.equal('');
    const bad = await runCli(['db', 'status', '--log-level', 'loud'], { env: env() });
    expect(bad.code).to.equal(64);
    expect(bad.stderr).to.include('must be one of fatal, error, warn, info, debug, trace, silent');
  });

  it('LOG_PRETTY=1 into a pipe: human lines, and still no colour', async () => {
    const result = await runCli(['db', 'migrate', '--no-backup', '-v'], { env: env({ LOG_PRETTY: '1' }) });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/DEBUG.*step done: /);
    expect(result.stderr).not.to.match(/^\{"level"/m);
    expect(result.stderr).not.to.match(ESCAPE);
  });

  it('on a terminal: human lines in colour; NO_COLOR takes the colour away; LOG_FORMAT=json gives JSON', async () => {
    const coloured = await runOnTerminal(['db', 'migrate', '--no-backup', '--verbose'], env());
    expect(coloured.code, coloured.output).to.equal(0);
    expect(coloured.output).to.match(/DEBUG.*step done: /);
    expect(coloured.output).to.match(ESCAPE);

    await db.drop();
    db = await createTestDatabase('tm_cli_term');
    const plain = await runOnTerminal(['db', 'migrate', '--no-backup', '--verbose'], env({ NO_COLOR: '1' }));
    expect(plain.code, plain.output).to.equal(0);
    expect(plain.output).to.match(/DEBUG.*step done: /);
    expect(plain.output).not.to.match(ESCAPE);

    await db.drop();
    db = await createTestDatabase('tm_cli_term');
    const json = await runOnTerminal(['db', 'migrate', '--no-backup', '--verbose'], env({ LOG_FORMAT: 'json' }));
    expect(json.code, json.output).to.equal(0);
    expect(json.output).to.match(/^\{"level":20,.*"msg":"step done: /m);
    expect(json.output).not.to.match(ESCAPE);
  });
});
