import { expect } from 'chai';
import { parse as parseYaml, parseDocument } from 'yaml';
import { securityDefaults } from '../../src/upgrades/config/defaults.js';
import { planConfigMigration } from '../../src/upgrades/config/migrate.js';
import { addAuthentication, addSecurity, restructureServices } from '../../src/upgrades/config/steps.js';
import type { ConfigVersion } from '../../src/upgrades/config/versions.js';
import { JSON_V10, JSON_V11, JSON_V20, YAML_V10, YAML_V11, YAML_V20, YAML_V21 } from './fixtures.js';

/** Every step on YAML and JSON fixtures of each version: exact keys, defaults, what is consumed, what is kept. */

function migrate(name: string, text: string, target: ConfigVersion) {
  const plan = planConfigMigration(name, text, target);
  if (plan.kind !== 'migrate') throw new Error(`expected a migration, got ${plan.kind}`);
  const data = (name.endsWith('.json') ? JSON.parse(plan.output) : parseYaml(plan.output)) as Record<string, unknown>;
  return { ...plan, data };
}

const AUTH_DEFAULTS = { enabled: true, jwt_secret: '${JWT_SECRET_KEY}', jwt_expiration: 3600, password_min_length: 8, max_login_attempts: 5 };
const MFA = { enabled: false, issuer_name: 'Tracktion', backup_codes_count: 10 };
const policy = (min: unknown) => ({ min_length: min, require_uppercase: true, require_lowercase: true, require_numbers: true, require_special: true });
const rate = (attempts: unknown) => ({ login_attempts: attempts, lockout_duration: 900, requests_per_minute: 60 });
const SECURITY = {
  cors: { enabled: true, allowed_origins: ['https://app.tracktion.local'], allowed_methods: ['GET', 'POST', 'PUT', 'DELETE'], allow_credentials: true },
  headers: { csp_policy: "default-src 'self'; script-src 'self' 'unsafe-inline'", hsts_max_age: 31536000, frame_options: 'DENY' },
  encryption: { field_encryption_enabled: true, master_key: '${ENCRYPTION_MASTER_KEY}' },
};
const MONITORING = {
  metrics: { enabled: true, endpoint: '/metrics', include_system_metrics: true },
  health_checks: { enabled: true, endpoint: '/health', detailed: false },
  audit_logging: { enabled: true, include_requests: true, include_responses: false },
};
const LOGGING = (level: string) => ({ level, format: 'structured', outputs: ['console', 'file'] });
const DB_URL = 'postgresql://tracktion:db-s3cret@localhost:5432/tracktion';

describe('config steps', () => {
  describe('1.0 → 1.1 (add authentication)', () => {
    it('YAML: adds authentication, moves database_url into database in its place, keeps everything else', () => {
      const { data, from, to } = migrate('dev.yaml', YAML_V10, '1.1');
      expect([from, to]).to.deep.equal(['1.0', '1.1']);
      expect(Object.keys(data)).to.deep.equal(['version', 'database', 'watch_directories', 'analysis_port', 'log_level', 'cache_size_mb', 'feature_flags', 'authentication']);
      expect(data).to.deep.equal({
        version: '1.1',
        database: { url: DB_URL, pool_size: 10, max_overflow: 20 },
        watch_directories: ['/srv/music', '/srv/audio'],
        analysis_port: 9001,
        log_level: 'DEBUG',
        cache_size_mb: 512,
        feature_flags: { beta_player: true, experimental: ['a', 'b'] },
        authentication: AUTH_DEFAULTS,
      });
    });

    it('JSON: the same step, key order kept', () => {
      const { data } = migrate('dev.json', JSON_V10, '1.1');
      expect(Object.keys(data)).to.deep.equal(['version', 'database', 'tracklist_workers', 'cache_size_mb', 'ratio', 'big_id', 'feature_flags', 'authentication']);
      expect(data.database).to.deep.equal({ url: DB_URL, pool_size: 10, max_overflow: 20 });
      expect(data.authentication).to.deep.equal(AUTH_DEFAULTS);
    });

    it('merges into an existing database mapping without overwriting, and keeps a conflicting database_url', () => {
      const merged = migrate('a.yaml', 'version: 1.0\ndatabase:\n  pool_size: 5\ndatabase_url: postgres://x\n', '1.1');
      expect(merged.data).to.deep.equal({ version: 1.1, database: { pool_size: 5, url: 'postgres://x', max_overflow: 20 }, authentication: AUTH_DEFAULTS });
      const conflict = migrate('a.yaml', 'version: 1.0\ndatabase:\n  url: postgres://a\ndatabase_url: postgres://b\n', '1.1');
      expect(conflict.data).to.deep.include({ database: { url: 'postgres://a' }, database_url: 'postgres://b' });
      expect(conflict.warnings.join('\n')).to.match(/a\.yaml: database_url kept at the top level/);
    });

    it('an authentication section the operator already wrote keeps its values', () => {
      const { data } = migrate('a.yaml', 'version: 1.0\nauthentication:\n  jwt_expiration: 60\n  enabled: false\n', '1.1');
      expect(data.authentication).to.deep.equal({ ...AUTH_DEFAULTS, jwt_expiration: 60, enabled: false });
    });
  });

  describe('1.1 → 2.0 (restructure services)', () => {
    it('YAML: builds services and logging from the top-level keys it consumes, carries the rest', () => {
      const { data, warnings } = migrate('svc.yaml', YAML_V11, '2.0');
      expect(Object.keys(data)).to.deep.equal(['version', 'authentication', 'database', 'custom_section', 'services', 'logging']);
      expect(data).to.deep.equal({
        version: '2.0',
        authentication: { enabled: true, jwt_secret: '${JWT_SECRET_KEY}', jwt_expiration: 7200, password_min_length: 12, max_login_attempts: 3 },
        database: { url: 'postgresql://localhost/tracktion' },
        custom_section: { answer: 42 },
        services: {
          analysis_service: { enabled: true, port: 9001, workers: 8 },
          tracklist_service: { enabled: true, port: 9002, workers: 2 },
          file_watcher: { enabled: true, watch_paths: ['/music', '/podcasts'] },
        },
        logging: LOGGING('WARNING'),
      });
      expect(warnings).to.deep.equal([
        'svc.yaml: metrics_port dropped: 2.0 does not keep top-level keys ending in _port or _workers (the old value is in the backup)',
      ]);
    });

    it('JSON: defaults where the 1.1 keys are absent; empty database when there was none', () => {
      const { data } = migrate('svc.json', JSON_V11, '2.0');
      expect(data).to.deep.equal({
        version: '2.0',
        authentication: { enabled: true, jwt_secret: '${JWT_SECRET_KEY}', password_min_length: 10 },
        custom: 'kept',
        services: {
          analysis_service: { enabled: true, port: 8001, workers: 4 },
          tracklist_service: { enabled: true, port: 8002, workers: 3 },
          file_watcher: { enabled: true, watch_paths: ['/music'] },
        },
        database: {},
        logging: LOGGING('ERROR'),
      });
    });

    it('empty database and authentication mappings when both are absent', () => {
      const { data } = migrate('a.yaml', 'version: "1.1"\nname: x\n', '2.0');
      expect(data).to.deep.include({ database: {}, authentication: {}, logging: LOGGING('INFO'), name: 'x' });
    });
  });

  describe('2.0 → 2.1 (security)', () => {
    it('YAML: adds MFA, password policy and rate limiting from authentication, security and monitoring; keeps operator values', () => {
      const { data } = migrate('sec.yaml', YAML_V20, '2.1');
      expect(data).to.deep.equal({
        version: 2.1,
        services: { analysis_service: { enabled: true, port: 8001, workers: 4 } },
        database: {},
        authentication: {
          enabled: true,
          password_min_length: 14,
          max_login_attempts: 7,
          mfa: { ...MFA, enabled: true },
          password_policy: policy(14),
          rate_limiting: rate(7),
        },
        logging: { level: 'INFO' },
        custom_key: 'custom value',
        security: SECURITY,
        monitoring: MONITORING,
      });
    });

    it('JSON without authentication: no authentication is invented, security and monitoring are added', () => {
      const { data, output } = migrate('sec.json', JSON_V20, '2.1');
      expect(data).to.deep.equal({
        version: '2.1',
        services: { file_watcher: { enabled: true, watch_paths: ['/music'] } },
        custom_key: 'custom value',
        security: SECURITY,
        monitoring: MONITORING,
      });
      expect(output.startsWith('{\n  "version": "2.1",\n  "services": {\n')).to.equal(true);
    });

    it('never overwrites a security value the operator set, and leaves a non-mapping section alone with a warning', () => {
      const text = 'version: 2.0\nauthentication: {}\nmonitoring_disabled: true\nsecurity_note: x\n';
      const kept = migrate('a.yaml', `${text}`, '2.1');
      expect(kept.data.authentication).to.deep.equal({ mfa: MFA, password_policy: policy(8), rate_limiting: rate(5) });
      const doc = parseDocument('version: 2.0\nsecurity:\n  cors:\n    enabled: false\n    allowed_origins: [https://mine]\n  headers: none\n');
      const { doc: out, warnings } = addSecurity(doc);
      expect(out.toJS().security).to.deep.equal({
        cors: { ...SECURITY.cors, enabled: false, allowed_origins: ['https://mine'] },
        headers: 'none',
        encryption: SECURITY.encryption,
      });
      expect(warnings).to.deep.equal(['security.headers is set to something other than a mapping; kept as it is, defaults not added']);
    });
  });

  it('1.0 → 2.1 in one run: every step in order, custom keys kept, the consumed keys gone', () => {
    const { data } = migrate('all.json', JSON_V10, '2.1');
    expect(data).to.deep.include({ version: '2.1', cache_size_mb: 512, ratio: 1.5, feature_flags: { beta_player: true } });
    expect(data).to.not.have.any.keys('database_url', 'tracklist_workers');
    expect((data.services as Record<string, unknown>).tracklist_service).to.deep.equal({ enabled: true, port: 8002, workers: 6 });
    expect(data.authentication).to.deep.equal({ ...AUTH_DEFAULTS, mfa: MFA, password_policy: policy(8), rate_limiting: rate(5) });
  });

  it('custom keys named like Object.prototype members are ordinary keys (found by the property test)', () => {
    for (const name of ['p.yaml', 'p.json']) {
      const text = name.endsWith('.json') ? '{"valueOf": [], "constructor": 1, "toString": "x"}' : 'valueOf: []\nconstructor: 1\ntoString: x\n';
      expect(migrate(name, text, '2.1').data).to.deep.include({ valueOf: [], constructor: 1, toString: 'x' });
    }
  });

  it('a file already at the target is current, whatever its format', () => {
    expect(planConfigMigration('a.yaml', YAML_V21, '2.1')).to.deep.include({ kind: 'current', from: '2.1' });
    const done = migrate('all.yaml', YAML_V10, '2.1').output;
    expect(planConfigMigration('all.yaml', done, '2.1')).to.deep.include({ kind: 'current', from: '2.1' });
  });

  it('steps never change their input Document', () => {
    for (const [step, text] of [[addAuthentication, YAML_V10], [restructureServices, YAML_V11], [addSecurity, YAML_V20]] as const) {
      const input = parseDocument(text);
      const before = { text: input.toString(), data: JSON.stringify(input.toJS()) };
      step(input);
      expect({ text: input.toString(), data: JSON.stringify(input.toJS()) }).to.deep.equal(before);
    }
  });

  it('shares nothing between outputs, or between an output and its input', () => {
    const input = parseDocument('version: "1.1"\nwatch_directories: [/a]\nauthentication: {}\n');
    const first = addSecurity(restructureServices(input).doc).doc;
    const second = addSecurity(restructureServices(input).doc).doc;
    (first.getIn(['security', 'cors', 'allowed_origins']) as { add(v: string): void }).add('https://evil');
    (first.getIn(['services', 'file_watcher', 'watch_paths']) as { add(v: string): void }).add('/b');
    expect(second.toJS().security.cors.allowed_origins).to.deep.equal(['https://app.tracktion.local']);
    expect(second.toJS().services.file_watcher.watch_paths).to.deep.equal(['/a']);
    expect(input.toJS().watch_directories).to.deep.equal(['/a']);
    const defaults = securityDefaults();
    (defaults.cors as { allowed_methods: string[] }).allowed_methods.push('PATCH');
    expect((securityDefaults().cors as { allowed_methods: string[] }).allowed_methods).to.deep.equal(['GET', 'POST', 'PUT', 'DELETE']);
  });
});
