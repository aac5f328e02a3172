import { expect } from 'chai';
import { loadConfig, resolveFileVariables } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { redactText } from '../../src/shared/redact.js';

describe('configuration', () => {
  it('has defaults for the local services and is frozen', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).to.equal('postgres://postgres@127.0.0.1:5432/tracktion');
    expect(config.RABBITMQ_URL).to.equal('amqp://guest:guest@127.0.0.1:5672');
    expect(config.REDIS_URL).to.equal('redis://127.0.0.1:6379');
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ LOG_LEVEL: '' }).LOG_LEVEL).to.equal('info');
  });

  it('reads log levels in any case, and the application\'s Python names WARNING and CRITICAL', () => {
    const level = (LOG_LEVEL: string) => loadConfig({ LOG_LEVEL }).LOG_LEVEL;
    expect(['INFO', 'Debug', ' error ', 'WARNING', 'warning', 'CRITICAL', 'WARN'].map(level))
      .to.deep.equal(['info', 'debug', 'error', 'warn', 'warn', 'fatal', 'warn']);
  });

  it('names every bad variable and its rule, never the value', () => {
    const secret = 'postgres-but-wrong://admin:hunter2@db/x';
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: secret, LOG_LEVEL: 'loud', BACKFILL_RANGE_SIZE: '-3' });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).to.match(/DATABASE_URL: must be a URL with scheme postgres:\/\/ or postgresql:\/\//);
    expect(message).to.match(/LOG_LEVEL: must be one of/);
    expect(message).to.match(/BACKFILL_RANGE_SIZE: must be a whole number/);
    expect(message).not.to.contain('hunter2');
    expect((error as ConfigError).exitCode).to.equal(78);
  });

  it('reads credentials from *_FILE variables, and refuses both forms at once', () => {
    const files: Record<string, string> = { '/run/secrets/db': 'postgres://u:p@db:5432/t\n' };
    const env = resolveFileVariables({ DATABASE_URL_FILE: '/run/secrets/db' }, (p) => {
      if (!(p in files)) throw new Error('ENOENT');
      return files[p] as string;
    });
    expect(env.DATABASE_URL).to.equal('postgres://u:p@db:5432/t');
    expect(() => resolveFileVariables({ REDIS_URL: 'redis://x', REDIS_URL_FILE: '/x' })).to.throw(ConfigError, /both set/);
    expect(() => resolveFileVariables({ REDIS_URL_FILE: '/nope' }, () => { throw new Error('ENOENT'); })).to.throw(ConfigError, /REDIS_URL_FILE: cannot read/);
  });

  it('redacts passwords inside URLs', () => {
    expect(redactText('connect amqp://guest:secret@host:5672 and postgres://u:p%40ss@db/x')).to.equal('connect amqp://guest:***@host:5672 and postgres://u:***@db/x');
  });
});
