import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';

const env = (extra: Record<string, string>) => ({ ...process.env, TRACKTION_ENV_FILE: '', LOG_LEVEL: 'warn', ...extra });

describe('the CLI as an operator meets it', function () {
  this.timeout(30_000);

  it('--help lists every command group and the exit codes', async () => {
    const help = await runCli(['--help'], { env: env({}) });
    expect(help.code).to.equal(0);
    for (const command of ['convert', 'db', 'backfill', 'producer', 'consumer', 'demo', 'config', 'env']) expect(help.stdout).to.match(new RegExp(`\\n  ${command}\\b`));
    expect(help.stdout).to.match(/69 +a service/);
  });

  it('backfill status --help documents --exact (counts from the ledger instead of the live counters)', async () => {
    const help = await runCli(['backfill', 'status', '--help'], { env: env({}) });
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/--exact\s+count ranges and tracks in the ledger/);
  });

  it('an unknown option is a usage error (64)', async () => {
    const result = await runCli(['backfill', 'enqueue', '--range-size', 'lots'], { env: env({}) });
    expect(result.code).to.equal(64);
    expect(result.stderr).to.match(/range-size/);
  });

  it('bad configuration exits 78 naming the variable, without the secret', async () => {
    const result = await runCli(['backfill', 'list'], { env: env({ DATABASE_URL: 'mysql://root:hunter2@db/x' }) });
    expect(result.code).to.equal(78);
    expect(result.stderr).to.match(/DATABASE_URL/);
    expect(result.stderr).not.to.contain('hunter2');
  });

  const unreachable: [string, Record<string, string>, RegExp][] = [
    ['PostgreSQL', { DATABASE_URL: 'postgres://postgres:pw-secret@127.0.0.1:1/x' }, /PostgreSQL is not reachable at 127\.0\.0\.1:1 .*start it/],
    ['Redis', { REDIS_URL: 'redis://:pw-secret@127.0.0.1:1' }, /Redis is not reachable at 127\.0\.0\.1:1 .*start it/],
    ['RabbitMQ', { RABBITMQ_URL: 'amqp://guest:pw-secret@127.0.0.1:1' }, /RabbitMQ is not reachable at 127\.0\.0\.1:1 .*start it/],
  ];
  for (const [service, extra, message] of unreachable) {
    it(`an unreachable ${service} is one clear line and exit 69`, async () => {
      const args = service === 'RabbitMQ' ? ['consumer'] : ['backfill', 'enqueue'];
      const result = await runCli(args, { env: env({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', ...extra }) });
      expect(result.code, result.stderr).to.equal(69);
      const lines = result.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(message);
      expect(result.stderr).not.to.contain('pw-secret');
      expect(result.stderr).not.to.match(/\n\s+at /);
    });
  }
});
