import { expect } from 'chai';
import { parse as parseDotenv } from 'dotenv';
import { planEnvMigration, type EnvPlanOptions } from '../../src/upgrades/env/migrate.js';
import { ENV_CATEGORIES } from '../../src/upgrades/env/render.js';
import { MASTER_KEY_PLACEHOLDER, upgradeV1ToV2, upgradeV2ToV21 } from '../../src/upgrades/env/steps.js';
import { detectEnvVersion, type EnvVersion } from '../../src/upgrades/env/versions.js';
import { ENV_V1, ENV_V2, ENV_V21 } from './fixtures.js';

/** Detection, both steps exactly as specified, the grouped output, secrets never invented nor shown. */

const NOW = new Date('2024-06-01T12:00:00.000Z');
const options = (target: EnvVersion = 'v2_1', masterKey = () => MASTER_KEY_PLACEHOLDER): EnvPlanOptions => ({ target, now: NOW, masterKey });

function migrate(text: string, opts: EnvPlanOptions = options(), name = '.env') {
  const plan = planEnvMigration(name, text, opts);
  if (plan.kind !== 'migrate') throw new Error(`expected a migration, got ${plan.kind}`);
  return { ...plan, values: parseDotenv(plan.output) };
}

describe('.env migration', () => {
  it('detects v2_1 by ENCRYPTION_MASTER_KEY or MFA_ENABLED, v2 by a service URL, else v1', () => {
    expect(detectEnvVersion(new Set(['MFA_ENABLED', 'DB_HOST']))).to.equal('v2_1');
    expect(detectEnvVersion(new Set(['ENCRYPTION_MASTER_KEY']))).to.equal('v2_1');
    expect(detectEnvVersion(new Set(['TRACKLIST_SERVICE_URL']))).to.equal('v2');
    expect(detectEnvVersion(new Set(['ANALYSIS_SERVICE_URL', 'MFA_SETTING']))).to.equal('v2');
    expect(detectEnvVersion(new Set(['DB_HOST', 'DATABASE_URL']))).to.equal('v1');
    expect(detectEnvVersion(new Set())).to.equal('v1');
  });

  it('v1 → v2: service settings with defaults, connection URLs built from the parts, components URL-encoded', () => {
    const { values, from, to } = migrate(ENV_V1, options('v2'));
    expect([from, to]).to.deep.equal(['v1', 'v2']);
    expect(values).to.deep.include({
      ANALYSIS_SERVICE_URL: 'http://localhost:8001',
      TRACKLIST_SERVICE_URL: 'http://localhost:8002',
      FILE_WATCHER_ENABLED: 'true',
      WATCH_DIRECTORIES: '/music,/audio',
      DATABASE_URL: 'postgresql://tracktion:p%40ss%20w%23rd@db.internal:5433/music',
      REDIS_URL: 'redis://:redis-secret@cache.internal:6379/0',
      RABBITMQ_URL: 'amqp://tracktion:mq%3Asecret@mq.internal:5672',
    });
    expect(values).to.not.have.property('ENCRYPTION_MASTER_KEY');
  });

  it('v1 → v2 with nothing set: every default, and a placeholder (with a warning) instead of an invented password', () => {
    const { values, warnings } = migrate('LOG_LEVEL=info\n', options('v2'), '.env.testing');
    expect(values).to.deep.equal({
      LOG_LEVEL: 'info',
      ANALYSIS_SERVICE_URL: 'http://localhost:8001',
      TRACKLIST_SERVICE_URL: 'http://localhost:8002',
      FILE_WATCHER_ENABLED: 'true',
      WATCH_DIRECTORIES: '/music,/audio',
      DATABASE_URL: 'postgresql://tracktion:${DB_PASSWORD}@localhost:5432/tracktion',
      REDIS_URL: 'redis://localhost:6379/0',
      RABBITMQ_URL: 'amqp://guest:guest@localhost:5672',
    });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^\.env\.testing: DB_PASSWORD is not set: DATABASE_URL was written with the placeholder \$\{DB_PASSWORD\}/);
  });

  it('v1 → v2 keeps connection URLs that are already set', () => {
    const { values, warnings } = migrate('DATABASE_URL=postgres://keep/me\nREDIS_URL=redis://r:1/2\nRABBITMQ_URL=amqp://x\n', options('v2'));
    expect(values).to.deep.include({ DATABASE_URL: 'postgres://keep/me', REDIS_URL: 'redis://r:1/2', RABBITMQ_URL: 'amqp://x' });
    expect(warnings).to.deep.equal([]);
  });

  it('v2 → v2_1: adds each setting only when it is not already set', () => {
    const { values, from } = migrate(ENV_V2);
    expect(from).to.equal('v2');
    expect(values).to.deep.equal({
      DATABASE_URL: 'postgresql://tracktion:pw@localhost:5432/tracktion',
      ANALYSIS_SERVICE_URL: 'http://analysis:8001',
      MFA_SETTING: 'irrelevant',
      JWT_EXPIRATION: '7200',
      CORS_ORIGINS: 'https://music.example.com',
      ENCRYPTION_MASTER_KEY: '${GENERATE_RANDOM_KEY}',
      MFA_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'true',
      CORS_CREDENTIALS: 'true',
      JWT_REFRESH_EXPIRATION: '604800',
      METRICS_ENABLED: 'true',
      AUDIT_LOG_ENABLED: 'true',
      STRUCTURED_LOGGING: 'true',
      DB_POOL_SIZE: '20',
      DB_MAX_OVERFLOW: '30',
      REDIS_POOL_SIZE: '10',
    });
  });

  it('ENCRYPTION_MASTER_KEY: a placeholder with a warning, or the generated key', () => {
    expect(migrate(ENV_V2).warnings.join('\n')).to.match(/ENCRYPTION_MASTER_KEY was written as the placeholder \$\{GENERATE_RANDOM_KEY\}/);
    const generated = migrate(ENV_V2, options('v2_1', () => 'k'.repeat(43) + '='));
    expect(generated.values.ENCRYPTION_MASTER_KEY).to.equal(`${'k'.repeat(43)}=`);
    expect(generated.warnings).to.deep.equal([]);
  });

  it('writes the header, the categories in order with their variables sorted, then everything else', () => {
    const { output } = migrate(ENV_V1);
    const lines = output.split('\n');
    expect(lines.slice(0, 3)).to.deep.equal(['# Tracktion Environment Configuration - Version v2_1', '# Migrated on 2024-06-01T12:00:00.000Z', '']);
    const headers = lines.filter((l) => / Configuration$/.test(l) && !l.includes('Tracktion'));
    expect(headers).to.deep.equal([...ENV_CATEGORIES.map(([title]) => `# ${title} Configuration`), '# Other Configuration']);
    const sections = output.split(/\n\n(?=# \w+ Configuration\n)/).slice(1);
    const keysOf = (section: string) => [...section.matchAll(/^(?:export )?([A-Z_]+)=/gm)].map((m) => m[1]);
    for (const section of sections) expect(keysOf(section)).to.deep.equal([...keysOf(section)].sort());
    expect(keysOf(sections[0]!)).to.deep.equal(['DATABASE_URL', 'DB_HOST', 'DB_NAME', 'DB_PASSWORD', 'DB_PORT', 'DB_USER']);
    expect(keysOf(sections[3]!)).to.deep.equal(['ENCRYPTION_MASTER_KEY', 'JWT_EXPIRATION', 'JWT_SECRET_KEY']);
    expect(keysOf(sections.at(-1)!)).to.deep.equal([
      'CORS_CREDENTIALS', 'CUSTOM_THING', 'DB_MAX_OVERFLOW', 'DB_POOL_SIZE', 'EQUALS', 'GREETING', 'JWT_REFRESH_EXPIRATION',
      'MULTILINE', 'REDIS_POOL_SIZE', 'STRUCTURED_LOGGING', 'WATCH_DIRECTORIES',
    ]);
  });

  it('keeps every input variable with its exact value, its comments and its export prefix', () => {
    const { output, values } = migrate(ENV_V1);
    expect(values).to.deep.include(parseDotenv(ENV_V1));
    expect(output).to.include('# Tracktion settings\nDB_HOST=db.internal\n');
    expect(output).to.include('# Cache\nREDIS_HOST=cache.internal\n');
    expect(output).to.include('JWT_SECRET_KEY=jwt-secret-value # rotate yearly\n');
    expect(output).to.include('export RABBITMQ_HOST=mq.internal\n');
  });

  it('is idempotent: the output is already current, and so is a v2_1 file', () => {
    const { output } = migrate(ENV_V1);
    expect(planEnvMigration('.env', output, options())).to.deep.equal({ kind: 'current', from: 'v2_1', to: 'v2_1', note: undefined });
    expect(planEnvMigration('.env', ENV_V21, options()).kind).to.equal('current');
    expect(planEnvMigration('.env', ENV_V21, options('v2'))).to.deep.include({ kind: 'current', from: 'v2_1' });
  });

  it('masks every secret in both sides of the diff, and keeps placeholders visible', () => {
    const { maskedBefore, maskedAfter, output } = migrate(ENV_V1);
    for (const secret of ['p@ss w#rd', 'p%40ss%20w%23rd', 'redis-secret', 'mq:secret', 'mq%3Asecret', 'jwt-secret-value']) {
      expect(maskedBefore, secret).to.not.include(secret);
      expect(maskedAfter, secret).to.not.include(secret);
    }
    expect(output).to.include('redis-secret');
    expect(maskedAfter).to.include('DB_PASSWORD=***');
    expect(maskedAfter).to.include('ENCRYPTION_MASTER_KEY=${GENERATE_RANDOM_KEY}');
    expect(maskedAfter).to.include('REDIS_URL=redis://:***@cache.internal:6379/0');
    const placeholder = migrate('DB_HOST=h\n').maskedAfter;
    expect(placeholder).to.include('DATABASE_URL=postgresql://tracktion:${DB_PASSWORD}@h:5432/tracktion');
    const generated = migrate(ENV_V2, options('v2_1', () => 'c2VjcmV0LWtleQ==')).maskedAfter;
    expect(generated).to.not.include('c2VjcmV0LWtleQ==');
  });

  it('keeps CRLF line endings', () => {
    const { output } = migrate('DB_HOST=x\r\nGREETING="a b"\r\n');
    expect(output.replace(/\r\n/g, '')).to.not.include('\n');
    expect(parseDotenv(output)).to.deep.include({ DB_HOST: 'x', GREETING: 'a b' });
  });

  it('the steps never change their input', () => {
    const input = new Map([['DB_HOST', 'h']]);
    upgradeV1ToV2(input);
    upgradeV2ToV21(input, 'k');
    expect([...input]).to.deep.equal([['DB_HOST', 'h']]);
  });

  it('a value dotenv cannot hold is refused, naming the file and the variable', () => {
    // ' x\\' (edge space, trailing backslash) has no safe spelling; written as the operator did, the new
    // order would let it run on to the quote in Z's comment — so the file is refused, not corrupted.
    const text = "Z=1 # it'\nA=' x\\'\n";
    expect(parseDotenv(text)).to.deep.equal({ Z: '1', A: ' x\\' });
    expect(() => planEnvMigration('.env.production', text, options())).to.throw(/^\.env\.production: A would not read back unchanged/);
  });
});
