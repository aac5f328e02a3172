import { expect } from 'chai';
import { planConfigMigration } from '../../src/upgrades/config/migrate.js';
import { parseConfig } from '../../src/upgrades/config/parse.js';
import {
  compareVersions,
  detectConfigVersion,
  knownConfigVersion,
  parseVersion,
  stepsBetween,
} from '../../src/upgrades/config/versions.js';

/** Versions compared as versions, and detection by explicit key or by structure. */

const detect = (name: string, text: string) => {
  const parsed = parseConfig(name, text);
  return detectConfigVersion(parsed.data, parsed.versionText);
};

describe('config versions', () => {
  it('compares versions part by part as numbers, not as strings', () => {
    expect(compareVersions('1.10', '1.9')).to.be.greaterThan(0);
    expect(compareVersions('1.9', '1.10')).to.be.lessThan(0);
    expect(compareVersions('2.0', '10.0')).to.be.lessThan(0);
    expect(compareVersions('2', '2.0')).to.equal(0);
    expect(compareVersions('2.0.0', '2.0')).to.equal(0);
    expect(compareVersions('2.1', '2.0')).to.be.greaterThan(0);
    expect(parseVersion('v2.1')).to.deep.equal([2, 1]);
    expect(parseVersion('2.x')).to.equal(undefined);
    expect(() => compareVersions('two', '2.0')).to.throw(/not a version: two/);
  });

  it('knows 1.0, 1.1, 2.0, 2.1 in any equal spelling and nothing else', () => {
    expect(knownConfigVersion('2')).to.equal('2.0');
    expect(knownConfigVersion('1.0.0')).to.equal('1.0');
    expect(knownConfigVersion('1.10')).to.equal(undefined);
    expect(knownConfigVersion('3.0')).to.equal(undefined);
    expect(stepsBetween('1.0', '2.1')).to.deep.equal([['1.0', '1.1'], ['1.1', '2.0'], ['2.0', '2.1']]);
    expect(stepsBetween('2.0', '2.0')).to.deep.equal([]);
  });

  it('an explicit known version wins over the structure', () => {
    expect(detect('a.yaml', 'version: 1.0\nservices:\n  x: {}\n')).to.deep.equal({ version: '1.0', explicit: true });
    expect(detect('a.yaml', "version: '2.0'\n")).to.deep.equal({ version: '2.0', explicit: true });
    expect(detect('a.json', '{"version": 1.1}')).to.deep.equal({ version: '1.1', explicit: true });
  });

  it('reads `version` as written, so YAML 1.10 and JSON 1.10 are not taken for 1.1', () => {
    expect(detect('a.yaml', 'version: 1.10\n')).to.deep.equal({ unknown: '1.10' });
    expect(detect('a.json', '{"version": 1.10}')).to.deep.equal({ unknown: '1.10' });
    expect(detect('a.yaml', 'version: 2.0\n')).to.deep.equal({ version: '2.0', explicit: true });
  });

  it('detects by structure without a version key', () => {
    expect(detect('a.yaml', 'security:\n  cors: {}\n')).to.deep.include({ version: '2.1' });
    expect(detect('a.yaml', 'monitoring:\n  metrics: {}\n')).to.deep.include({ version: '2.1' });
    expect(detect('a.yaml', 'auth:\n  jwt_settings: {}\n')).to.deep.include({ version: '2.1' });
    expect(detect('a.yaml', 'auth:\n  other: {}\n')).to.deep.include({ version: '1.0' });
    expect(detect('a.yaml', 'services:\n  analysis_service: {}\n')).to.deep.include({ version: '2.0' });
    expect(detect('a.yaml', 'services: [a]\n')).to.deep.include({ version: '1.0' });
    expect(detect('a.yaml', 'authentication:\n  enabled: true\n')).to.deep.include({ version: '1.1' });
    expect(detect('a.yaml', 'anything: 1\n')).to.deep.include({ version: '1.0', explicit: false });
    expect(detect('a.yaml', 'version:\nanything: 1\n')).to.deep.include({ version: '1.0', explicit: false });
  });

  it('an unknown explicit version is an error naming the file and the version', () => {
    for (const [name, text, shown] of [
      ['prod.yaml', 'version: 3.0\n', '"3.0"'],
      ['prod.yaml', 'version: 1.10\n', '"1.10"'],
      ['prod.json', '{"version": "banana"}', '"banana"'],
    ] as const) {
      expect(() => planConfigMigration(name, text, '2.1')).to.throw(new RegExp(`^${name.replace('.', '\\.')}: unknown configuration version ${shown}`));
    }
  });

  it('a file newer than the target is not downgraded', () => {
    const plan = planConfigMigration('a.yaml', 'version: 2.1\n', '1.1');
    expect(plan).to.deep.include({ kind: 'current', from: '2.1', to: '1.1' });
    expect(plan.kind === 'current' && plan.note).to.match(/not downgraded/);
  });
});
