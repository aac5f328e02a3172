import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig } from '../../src/shared/config.js';
import { FLEET_ROLE } from '../../src/schema/fleetLogin.js';

/**
 * docker-compose.yml runs the fleet (producer, consumers, dashboard) as the least-privilege role, after a one-shot
 * that gives the role its login; migrate and cli stay the schema owner. Every container's log is rotated.
 */

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (value ?? {}) as Obj;
const text = readFileSync('docker-compose.yml', 'utf8');

/** Compose's ${X:-default} with `env` (X unset or empty → default), everywhere in the parsed file. */
function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => env[name] || fallback);
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}
const servicesWith = (env: Record<string, string>) => obj(obj(interpolate(parse(text, { merge: true }), env)).services);
const environment = (services: Obj, name: string) => obj(obj(services[name]).environment) as Record<string, string>;
const FLEET = ['producer', 'consumer', 'dashboard'];
const OWNER = ['migrate', 'fleet-login', 'cli'];

describe('docker-compose.yml: the fleet as tracktion_backfill, log rotation', () => {
  const settings: Record<string, string>[] = [{}, { FLEET_DATABASE_PASSWORD: 'set-by-the-operator-0123456789', POSTGRES_PASSWORD: 'owner-secret' }];
  for (const env of settings) {
    const label = Object.keys(env).length ? 'with the passwords set' : 'with the defaults';
    const services = servicesWith(env);

    it(`fleet-login gives ${FLEET_ROLE} the password the fleet logs in with (${label})`, () => {
      const login = environment(services, 'fleet-login');
      const config = loadConfig(login);
      expect(config.FLEET_DATABASE_PASSWORD, 'a password the command accepts').to.be.a('string');
      for (const name of FLEET) {
        const url = new URL(environment(services, name).DATABASE_URL ?? '');
        expect(url.username, name).to.equal(FLEET_ROLE);
        expect(decodeURIComponent(url.password), name).to.equal(config.FLEET_DATABASE_PASSWORD);
        expect(`${url.host}${url.pathname}`, name).to.equal('postgres:5432/tracktion');
      }
    });

    it(`runs migrate, fleet-login and cli as the schema owner (${label})`, () => {
      for (const name of OWNER) {
        const url = new URL(environment(services, name).DATABASE_URL ?? '');
        expect(url.username, name).to.equal('postgres');
        expect(decodeURIComponent(url.password), name).to.equal(env.POSTGRES_PASSWORD ?? 'postgres');
      }
    });
  }

  const services = servicesWith({});
  it('runs fleet-login once after migrate, and the fleet only after it completed', () => {
    const login = obj(services['fleet-login']);
    expect(login.command).to.deep.equal(['db', 'fleet-login']);
    expect(login.restart).to.equal('no');
    expect(obj(obj(login.depends_on).migrate).condition).to.equal('service_completed_successfully');
    expect(obj(obj(login.depends_on).postgres).condition).to.equal('service_healthy');
    for (const name of FLEET) {
      expect(obj(obj(obj(services[name]).depends_on)['fleet-login']).condition, name).to.equal('service_completed_successfully');
    }
    expect(Object.keys(environment(services, 'producer')), 'the password reaches fleet-login only').not.to.include('FLEET_DATABASE_PASSWORD');
  });

  it('rotates every container\'s log with one json-file setting (max-size, max-file)', () => {
    const settings = Object.entries(services).map(([name, s]) => [name, JSON.stringify(obj(s).logging)] as const);
    const first = settings[0]?.[1] ?? '';
    const logging = obj(JSON.parse(first));
    expect(logging.driver).to.equal('json-file');
    expect(obj(logging.options)['max-size']).to.match(/^\d+[kmg]$/);
    expect(obj(logging.options)['max-file']).to.match(/^\d+$/);
    for (const [name, setting] of settings) expect(setting, name).to.equal(first);
    expect(text.match(/driver: json-file/g), 'written once, as an anchor').to.have.length(1);
  });
});
