import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * `npm run lint:compose` checks docker-compose.yml offline against the Compose Specification's JSON schema
 * (bundled with dclint): it passes on the file and fails on a broken copy. No Docker runs here, so this is what
 * stands between a typo and `docker compose up` refusing the file.
 */

const COMPOSE = 'docker-compose.yml';
const original = readFileSync(COMPOSE, 'utf8');
const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['lint:compose'] ?? '';

/** The lint:compose script as npm runs it, on `file` instead of docker-compose.yml. */
function lintCompose(file: string): { code: number | null; output: string } {
  const PATH = `${resolve('node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}`;
  const run = spawnSync('sh', ['-c', script.replace(COMPOSE, `'${file}'`)], { encoding: 'utf8', env: { ...process.env, PATH, NO_COLOR: '1' } });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Replace exactly one occurrence of `from` in the compose file (the test fails if the file has changed shape). */
function edited(from: string, to: string): string {
  expect(original.split(from).length - 1, `exactly one ${from} in ${COMPOSE}`).to.equal(1);
  return original.replace(from, to);
}

/** Compose's interpolation: $$ (a literal $), $NAME, ${NAME}, ${NAME<op>word} with op :- - :? ? :+ +. */
const INTERPOLATION = /\$(?:\$|[A-Za-z_]\w*|\{[A-Za-z_]\w*(?:(?::?[-?+])[^}]*)?\})/g;

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('docker-compose.yml: validated against the Compose Specification (npm run lint:compose)', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(join(tmpdir(), 'tm-compose-lint-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const lintCopy = (name: string, text: string) => {
    const file = join(dir, `${name}.yml`);
    writeFileSync(file, text);
    return lintCompose(file);
  };

  it('runs dclint with the repository\'s configuration and no warning allowed', () => {
    expect(script).to.match(/^dclint --config \.dclintrc\.json --max-warnings 0 docker-compose\.yml$/);
  });

  it('accepts docker-compose.yml as it is', () => {
    const result = lintCompose(resolve(COMPOSE));
    expect(result.code, result.output).to.equal(0);
  });

  it('accepts ${VAR:-default} where the schema wants a number, a boolean or a port list', () => {
    const text = edited('replicas: 2', 'replicas: ${CONSUMER_REPLICAS:-2}')
      .replace('init: true', 'init: ${INIT:-true}').replace('"127.0.0.1:8080:8080"', '"127.0.0.1:${DASHBOARD_PORT:-8080}:8080"');
    const result = lintCopy('interpolated', text);
    expect(result.code, result.output).to.equal(0);
  });

  const broken: [string, () => string, RegExp][] = [
    ['an unknown service key', () => edited('command: ["producer"]', 'command: ["producer"]\n    restart_policy: always'), /instancePath="\/services\/producer".*must NOT have additional properties/],
    ['a depends_on condition with a typo', () => edited('fleet-login: { condition: service_completed_successfully }', 'fleet-login: { condition: service_completed_sucessfully }'), /instancePath="\/services\/(producer|consumer|dashboard)\/depends_on"/],
    ['ports as a number', () => edited('ports: ["127.0.0.1:8080:8080"]', 'ports: 8080'), /instancePath="\/services\/dashboard\/ports".*must be array/],
    ['a healthcheck test that is a number', () => edited('["CMD", "pg_isready", "-U", "postgres", "-d", "tracktion"]', '5'), /instancePath="\/services\/postgres\/healthcheck\/test"/],
    ['a top-level key Compose does not know', () => `${original}\nservice:\n  typo: {}\n`, /instancePath="".*must NOT have additional properties/],
  ];
  for (const [what, text, message] of broken) {
    it(`rejects a copy with ${what}`, () => {
      const result = lintCopy(what.replace(/\W+/g, '-'), text());
      expect(result.code, result.output).to.not.equal(0);
      expect(result.output).to.include('invalid-schema').and.match(message);
    });
  }

  it('uses only interpolations Compose can read, with a default for each variable (a plain `up` needs no .env)', () => {
    const values = strings(parse(original, { merge: true }));
    const dollars = values.filter((v) => v.includes('$'));
    expect(dollars.length, 'the file interpolates variables').to.be.greaterThan(0);
    for (const value of dollars) {
      expect(value.replace(INTERPOLATION, ''), `${value}: every $ starts a valid interpolation`).not.to.include('$');
      for (const [use] of value.matchAll(INTERPOLATION)) {
        if (use !== '$$') expect(use, `${value}: ${use} has a default`).to.match(/^\$\{\w+:-[^}]*\}$/);
      }
    }
  });
});
