/**
 * The .env upgrade steps, on plain key → value maps. Each returns a new map (the input is never changed)
 * and only adds variables that are not set; nothing the operator wrote is changed or removed.
 */

export type EnvVars = ReadonlyMap<string, string>;

export interface EnvStepResult {
  vars: Map<string, string>;
  warnings: string[];
}

export const DB_PASSWORD_PLACEHOLDER = '${DB_PASSWORD}';
export const MASTER_KEY_PLACEHOLDER = '${GENERATE_RANDOM_KEY}';

/** A set, non-empty value, else the fallback. */
function setting(vars: EnvVars, key: string, fallback: string): string {
  const value = vars.get(key);
  return value === undefined || value === '' ? fallback : value;
}

const enc = encodeURIComponent;

/** v1 → v2: service URLs and the file watcher; connection URLs built from the v1 parts when absent. */
export function upgradeV1ToV2(input: EnvVars): EnvStepResult {
  const vars = new Map(input);
  const warnings: string[] = [];
  const add = (key: string, value: () => string) => {
    if (!vars.has(key)) vars.set(key, value());
  };
  add('ANALYSIS_SERVICE_URL', () => 'http://localhost:8001');
  add('TRACKLIST_SERVICE_URL', () => 'http://localhost:8002');
  add('FILE_WATCHER_ENABLED', () => 'true');
  add('WATCH_DIRECTORIES', () => '/music,/audio');
  add('DATABASE_URL', () => {
    const password = setting(input, 'DB_PASSWORD', '');
    if (password === '') {
      warnings.push(`DB_PASSWORD is not set: DATABASE_URL was written with the placeholder ${DB_PASSWORD_PLACEHOLDER}; put the real password there`);
    }
    const host = `${setting(input, 'DB_HOST', 'localhost')}:${setting(input, 'DB_PORT', '5432')}`;
    const user = enc(setting(input, 'DB_USER', 'tracktion'));
    return `postgresql://${user}:${password === '' ? DB_PASSWORD_PLACEHOLDER : enc(password)}@${host}/${enc(setting(input, 'DB_NAME', 'tracktion'))}`;
  });
  add('REDIS_URL', () => {
    const password = setting(input, 'REDIS_PASSWORD', '');
    const auth = password === '' ? '' : `:${enc(password)}@`;
    return `redis://${auth}${setting(input, 'REDIS_HOST', 'localhost')}:${setting(input, 'REDIS_PORT', '6379')}/0`;
  });
  add('RABBITMQ_URL', () => {
    const user = enc(setting(input, 'RABBITMQ_USER', 'guest'));
    const password = enc(setting(input, 'RABBITMQ_PASSWORD', 'guest'));
    const host = `${setting(input, 'RABBITMQ_HOST', 'localhost')}:${setting(input, 'RABBITMQ_PORT', '5672')}`;
    // No trailing slash: `amqp://host/` would name the empty vhost, not the default `/`.
    const vhost = input.get('RABBITMQ_VHOST');
    return `amqp://${user}:${password}@${host}${vhost ? `/${enc(vhost)}` : ''}`;
  });
  return { vars, warnings };
}

/** v2 → v2_1: security, monitoring and pool settings, each only when not already set. */
export function upgradeV2ToV21(input: EnvVars, masterKey: string): EnvStepResult {
  const vars = new Map(input);
  const warnings: string[] = [];
  const additions: [string, string][] = [
    ['ENCRYPTION_MASTER_KEY', masterKey],
    ['MFA_ENABLED', 'false'],
    ['RATE_LIMIT_ENABLED', 'true'],
    ['CORS_ORIGINS', 'https://app.tracktion.local'],
    ['CORS_CREDENTIALS', 'true'],
    ['JWT_EXPIRATION', '3600'],
    ['JWT_REFRESH_EXPIRATION', '604800'],
    ['METRICS_ENABLED', 'true'],
    ['AUDIT_LOG_ENABLED', 'true'],
    ['STRUCTURED_LOGGING', 'true'],
    ['DB_POOL_SIZE', '20'],
    ['DB_MAX_OVERFLOW', '30'],
    ['REDIS_POOL_SIZE', '10'],
  ];
  for (const [key, value] of additions) if (!vars.has(key)) vars.set(key, value);
  if (!input.has('ENCRYPTION_MASTER_KEY') && masterKey === MASTER_KEY_PLACEHOLDER) {
    warnings.push(`ENCRYPTION_MASTER_KEY was written as the placeholder ${MASTER_KEY_PLACEHOLDER}; replace it with 32 random bytes in base64 (openssl rand -base64 32), or migrate with --generate-secrets`);
  }
  return { vars, warnings };
}
