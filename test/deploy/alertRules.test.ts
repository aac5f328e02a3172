import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';
const INSTALL = 'apt-get install -y prometheus';

/** Run promtool; a missing promtool fails the test with the command that installs it (never a skip). */
function promtool(args: string[]): { code: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`promtool is not installed; Debian's prometheus package brings it: ${INSTALL}`);
  }
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The alert rules as Prometheus itself reads and evaluates them, with the unit tests written beside them. */
describe('alert rules under promtool', function () {
  this.timeout(30_000);

  it('promtool check rules accepts the rules', () => {
    const checked = promtool(['check', 'rules', RULES]);
    expect(checked.code, checked.output).to.equal(0);
    expect(checked.output).to.match(/SUCCESS: \d+ rules found/);
  });

  it('promtool test rules passes the rule tests', () => {
    const tested = promtool(['test', 'rules', RULE_TESTS]);
    expect(tested.code, tested.output).to.equal(0);
    expect(tested.output).to.match(/SUCCESS/);
  });

  it('fails when an alert the tests expect does not fire (the check above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-promtool-'));
    try {
      const wrong = readFileSync(RULE_TESTS, 'utf8')
        .replace(/^rule_files:\n\s+- alerts\.yml/m, `rule_files:\n  - ${resolve(RULES)}`)
        .replace(/exp_alerts: \[\]/, 'exp_alerts: [{ exp_labels: { severity: "page", job_id: "none" } }]');
      expect(wrong, 'the rule tests have an alert expected not to fire').to.contain('exp_labels: { severity: "page", job_id: "none" }');
      const file = join(dir, 'alerts.test.yml');
      writeFileSync(file, wrong);
      const tested = promtool(['test', 'rules', file]);
      expect(tested.code, tested.output).to.not.equal(0);
      expect(tested.output).to.match(/FAILED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
