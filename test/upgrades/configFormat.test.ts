import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import fc from 'fast-check';
import { findJsonProblem } from '../../src/upgrades/config/jsonError.js';
import { maskConfigText } from '../../src/upgrades/config/mask.js';
import { planConfigMigration } from '../../src/upgrades/config/migrate.js';
import type { ConfigVersion } from '../../src/upgrades/config/versions.js';
import { JSON_V10, YAML_V10, YAML_V11 } from './fixtures.js';

/** What the file looks like afterwards: comments, order and formatting of untouched parts; errors with lines. */

function output(name: string, text: string, target: ConfigVersion = '2.1'): string {
  const plan = planConfigMigration(name, text, target);
  if (plan.kind !== 'migrate') throw new Error(`expected a migration, got ${plan.kind}`);
  return plan.output;
}

/** The lines of `expected`, in order, as a contiguous block of `actual`. */
function containsBlock(actual: string, expected: string): boolean {
  return actual.includes(expected);
}

describe('config file format', () => {
  it('YAML: header and every comment kept; untouched settings byte for byte', () => {
    const out = output('dev.yaml', YAML_V10);
    expect(out.startsWith('# Tracktion development configuration\n# Owned by the platform team.\n\nversion: "2.1"\n')).to.equal(true);
    for (const comment of ['# primary database', '# Where the music lives', '# main library', '# not the default']) {
      expect(out, comment).to.include(comment);
    }
    expect(containsBlock(out, 'cache_size_mb: 512\nfeature_flags:\n  beta_player: true\n  experimental: [a, b]\n')).to.equal(true);
    expect(out).to.include('  analysis_service:\n    enabled: true\n    port: 9001 # not the default\n');
    expect(out).to.include('# Where the music lives\nservices:\n');
  });

  it('YAML: a section that gains keys keeps its own lines and indentation (4 spaces), new keys follow it', () => {
    const out = output('svc.yaml', YAML_V11);
    expect(out.startsWith('version: "2.1"\n# Authentication (added by hand)\nauthentication:\n    enabled: true       # keep on\n')).to.equal(true);
    expect(out).to.include('    max_login_attempts: 3\n    mfa:\n        enabled: false\n        issuer_name: Tracktion\n');
    expect(out).to.include('database:\n    url: postgresql://localhost/tracktion\ncustom_section:\n    answer: 42\n');
    expect(out).to.include('        watch_paths: [/music, /podcasts]\n');
  });

  it('YAML: when only the version changes, only the version line changes', () => {
    const complete = output('full.yaml', YAML_V11).replace('version: "2.1"', 'version: "2.0"  # pinned');
    const again = output('full.yaml', complete);
    expect(again).to.equal(complete.replace('version: "2.0"  # pinned', 'version: "2.1"  # pinned'));
  });

  it('YAML: CRLF files stay CRLF, a missing final newline is tolerated, anchors still resolve', () => {
    const crlf = output('w.yaml', 'version: 1.0\r\n# note\r\nname: x\r\n');
    expect(crlf.replace(/\r\n/g, '')).to.not.include('\n');
    expect(parseYaml(crlf)).to.deep.include({ name: 'x', version: 2.1 });
    const noNewline = output('n.yaml', 'version: 1.0\nname: x');
    expect(parseYaml(noNewline)).to.deep.include({ name: 'x', version: 2.1 });
    const anchors = output('a.yaml', 'base: &b {size: 1}\nother: *b\nanalysis_port: 7\n');
    expect(parseYaml(anchors)).to.deep.include({ base: { size: 1 }, other: { size: 1 } });
    expect(anchors).to.include('base: &b {size: 1}\nother: *b\n');
  });

  it('JSON: indentation, key order and numbers as written are kept', () => {
    const out = output('dev.json', JSON_V10);
    expect(out).to.include('\n    "cache_size_mb": 512,\n    "ratio": 1.50,\n    "big_id": 12345678901234567890,\n');
    expect(out.endsWith('}\n')).to.equal(true);
    const tabs = output('t.json', '{\n\t"name": "x"\n}');
    expect(tabs).to.match(/^\{\n\t"version": "2\.1",\n\t"name": "x",\n/);
    expect(tabs.endsWith('}')).to.equal(true);
    const minified = output('m.json', '{"name":"x"}\n');
    expect(minified.split('\n')).to.have.length(2);
    expect(JSON.parse(minified)).to.deep.include({ name: 'x', version: '2.1' });
  });

  it('invalid YAML names the file and the line', () => {
    expect(() => planConfigMigration('config/bad.yaml', 'version: 1.0\nname: [unclosed\nother: 1\n', '2.1')).to.throw(
      /^config\/bad\.yaml: invalid YAML at line \d+, column \d+: /,
    );
    expect(() => planConfigMigration('config/dup.yaml', 'a: 1\nb: 2\na: 3\n', '2.1')).to.throw(/^config\/dup\.yaml: invalid YAML at line 3, column 1: Map keys must be unique/);
  });

  it('invalid JSON names the file and the line', () => {
    expect(() => planConfigMigration('conf/bad.json', '{\n  "a": 1,\n  "b": 2,\n}\n', '2.1')).to.throw(/^conf\/bad\.json: invalid JSON at line 4, column 1: /);
    expect(() => planConfigMigration('conf/cut.json', '{\n  "a": 1,\n', '2.1')).to.throw(/^conf\/cut\.json: invalid JSON at line 3, column 1/);
  });

  it('a JSON error never quotes the file (V8 would quote the text around the error)', () => {
    expect(() => planConfigMigration('s.json', '{"password": hunter2}', '2.1')).to.throw(/^s\.json: invalid JSON at line 1, column 14: unexpected character: expected a value$/);
  });

  it('property: whenever JSON.parse rejects a text, the scanner finds a problem in it too', () => {
    const broken = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', "'", ':', '\n', 'x', '\\'), fc.nat({ max: 2 }))
      .map(([json, at, insert, drop]) => {
        const cut = at % (json.length + 1);
        return json.slice(0, cut) + insert + json.slice(cut + drop);
      });
    fc.assert(
      fc.property(broken, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        fc.pre(!valid);
        const problem = findJsonProblem(text);
        expect(problem.reason, text).to.not.equal('not valid JSON');
        expect(problem.offset).to.be.within(0, text.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('a file that is not a mapping of settings is refused', () => {
    expect(() => planConfigMigration('list.yaml', '- a\n- b\n', '2.1')).to.throw(/list\.yaml: the top level is not a mapping/);
    expect(() => planConfigMigration('empty.yaml', '', '2.1')).to.throw(/empty\.yaml: the top level is not a mapping/);
  });

  it('masks secrets for display, but not placeholders or settings about secrets', () => {
    const masked = maskConfigText(
      [
        'database:',
        '  url: postgres://user:hunter2@db/x',
        '  password: hunter2   # old',
        'authentication:',
        '  jwt_secret: "${JWT_SECRET_KEY}"',
        '  password_min_length: 12',
        '  api_token: abc123',
        'private_key: |',
        '  -----BEGIN KEY-----',
        '  MIIB',
        '{"db_password": "p4ss", "x": 1}',
        '  "master_key": "k3y",',
        'redis: {host: r, password: fl0w, token: "${REDIS_TOKEN}"}',
        'api_key: {id: 1, value: s3cr3t}',
      ].join('\n'),
    );
    expect(masked).to.not.match(/hunter2|abc123|MIIB|k3y|p4ss|fl0w|s3cr3t/);
    expect(masked).to.include('redis: {host: r, password: "***", token: "${REDIS_TOKEN}"}');
    expect(masked).to.include('postgres://user:***@db/x');
    expect(masked).to.include('jwt_secret: "${JWT_SECRET_KEY}"');
    expect(masked).to.include('password_min_length: 12');
    expect(maskConfigText('  allow_credentials: true\n  password_policy:\n    min_length: 8')).to.equal('  allow_credentials: true\n  password_policy:\n    min_length: 8');
    expect(masked).to.include('  "master_key": "***",');
  });

  it('the dry-run texts of a plan hide the secrets of both sides', () => {
    const plan = planConfigMigration('dev.yaml', YAML_V10, '2.1');
    if (plan.kind !== 'migrate') throw new Error('expected a migration');
    expect(plan.maskedBefore).to.not.include('db-s3cret');
    expect(plan.maskedAfter).to.not.include('db-s3cret');
    expect(plan.output).to.include('db-s3cret');
  });
});
