import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runScript, type CliResult } from '../helpers/cli.js';
import { ADMIN_DATABASE_URL, testEnv, uniqueName } from '../helpers/isolation.js';

const BENCH = fileURLToPath(new URL('../../tools/bench/writeStatement.js', import.meta.url));

function runBench(args: string[]): Promise<CliResult> {
  return runScript(BENCH, args, { env: testEnv({ DATABASE_URL: ADMIN_DATABASE_URL }) });
}

describe('npm run bench:write (the range write statement alone)', function () {
  this.timeout(120_000);

  it('writes one converted range with every variant, each updating the whole range, and prints CPU per track', async () => {
    const result = await runBench(['--tracks', '3000', '--range-size', '200', '--rounds', '2', '--database', uniqueName('tm_bw')]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/Range write, one session: 200 tracks a range, 2 rounds, all indexes; input \d+ KB/);
    for (const variant of ['current', 'generic-plan', 'json-input', 'recordset-input']) {
      expect(result.stdout).to.match(new RegExp(`^${variant} +\\d+\\.\\d +\\d+ \\d+ `, 'm'));
    }
  });

  it('refuses an unknown variant before touching any database', async () => {
    const result = await runBench(['--variants', 'current,faster', '--database', uniqueName('tm_bw')]);
    expect(result.code).to.equal(64); // EX_USAGE, as every command of the tool
    expect(result.stderr).to.contain('unknown variant(s): faster');
  });
});
