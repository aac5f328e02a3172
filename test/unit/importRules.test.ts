import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/import-rules/', import.meta.url));
const DEPCRUISE = `${ROOT}node_modules/.bin/depcruise`;

interface Violation { rule: { name: string }; from: string; to: string }

/** The rooms' import rules (`.dependency-cruiser.cjs`), run on a fixture that breaks them on purpose. */
describe('import rules', function () {
  this.timeout(60_000);

  it('refuse an upward import and an import cycle', async () => {
    const result = await promisify(execFile)(DEPCRUISE,
      ['src', '--config', `${ROOT}.dependency-cruiser.cjs`, '--output-type', 'json'], { cwd: FIXTURE })
      .catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const violations = (JSON.parse(result.stdout) as { summary: { violations: Violation[] } }).summary.violations
      .map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(violations).to.include('shared-imports-upward: src/shared/upward.ts -> src/producer/planner.ts');
    expect(violations.some((v) => v.startsWith('no-cycles: src/schema/'))).to.equal(true);
  });

  it('find nothing to refuse in the project itself', async () => {
    const { stdout } = await promisify(execFile)(DEPCRUISE,
      // The whole project's JSON report passes Node's default 1 MiB output buffer.
      ['src', 'migrations', 'tools', 'test', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    expect((JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations).to.deep.equal([]);
  });
});
