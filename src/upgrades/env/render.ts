import { MASK, isPlaceholder, isSecretName, maskUrlPasswords } from '../mask.js';
import type { EnvVariable } from './parse.js';
import { encodeValue } from './quote.js';

/**
 * Writing a migrated .env: the header, then one section per category in a fixed order, variables sorted
 * within each, then `# Other Configuration` with every remaining variable. Comments travel with their
 * variable. With `mask`, secret values become `***` (for diffs and reports, never for the file).
 */

export const ENV_CATEGORIES: readonly (readonly [string, readonly string[]])[] = [
  ['Database', ['DATABASE_URL', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD']],
  ['Redis', ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD']],
  ['RabbitMQ', ['RABBITMQ_URL', 'RABBITMQ_HOST', 'RABBITMQ_PORT', 'RABBITMQ_USER', 'RABBITMQ_PASSWORD']],
  ['Authentication', ['JWT_SECRET_KEY', 'JWT_EXPIRATION', 'ENCRYPTION_MASTER_KEY']],
  ['Services', ['ANALYSIS_SERVICE_URL', 'TRACKLIST_SERVICE_URL', 'FILE_WATCHER_ENABLED']],
  ['Security', ['CORS_ORIGINS', 'RATE_LIMIT_ENABLED', 'MFA_ENABLED']],
  ['Monitoring', ['METRICS_ENABLED', 'AUDIT_LOG_ENABLED', 'LOG_LEVEL']],
];

export interface RenderOptions {
  version: string;
  migratedAt: Date;
  trailingComments: string[];
  mask: boolean;
}

/** Throws UnwritableValue when a value cannot be written so dotenv reads it back unchanged. */
export class UnwritableValue extends Error {
  constructor(readonly key: string) {
    super(`${key}: the value cannot be written in .env syntax so that dotenv reads it back unchanged`);
  }
}

export function renderEnv(variables: readonly EnvVariable[], options: RenderOptions): string {
  const lines = [`# Tracktion Environment Configuration - Version ${options.version}`, `# Migrated on ${options.migratedAt.toISOString()}`];
  const placed = new Set<string>();
  const section = (title: string, members: EnvVariable[]) => {
    if (members.length === 0) return;
    lines.push('', `# ${title} Configuration`);
    for (const variable of [...members].sort((a, b) => compareKeys(a.key, b.key))) {
      placed.add(variable.key);
      lines.push(...variable.comments.map((c) => (options.mask ? maskUrlPasswords(c) : c)), line(variable, options.mask));
    }
  };
  for (const [title, keys] of ENV_CATEGORIES) section(title, variables.filter((v) => keys.includes(v.key)));
  section('Other', variables.filter((v) => !placed.has(v.key)));
  if (options.trailingComments.length > 0) lines.push('', ...options.trailingComments.map((c) => (options.mask ? maskUrlPasswords(c) : c)));
  return `${lines.join('\n')}\n`;
}

function line(variable: EnvVariable, mask: boolean): string {
  const value = mask ? maskedValue(variable) : writtenValue(variable);
  const comment = variable.inlineComment ? ` ${mask ? maskUrlPasswords(variable.inlineComment) : variable.inlineComment}` : '';
  return `${variable.exported ? 'export ' : ''}${variable.key}=${value}${comment}`;
}

function writtenValue(variable: EnvVariable): string {
  const encoded = encodeValue(variable.value);
  if (encoded !== undefined) return encoded;
  // As the operator wrote it: dotenv read exactly this value from exactly this text.
  if (variable.raw !== undefined) return variable.raw;
  throw new UnwritableValue(variable.key);
}

function maskedValue(variable: EnvVariable): string {
  const { key, value } = variable;
  if (isSecretName(key) && value !== '' && !isPlaceholder(value)) return MASK;
  return encodeValue(maskUrlPasswords(value)) ?? MASK;
}

/** Plain code-unit order, so the order never depends on the machine's locale. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The original text with secret values replaced by `***` and URL passwords hidden (the "before" of a diff). */
export function maskEnvText(text: string, valueSpans: readonly { key: string; start: number; end: number }[]): string {
  let out = '';
  let at = 0;
  for (const span of [...valueSpans].sort((a, b) => a.start - b.start)) {
    const raw = text.slice(span.start, span.end);
    const bare = raw.trim().replace(/^(['"`])([\s\S]*)\1$/, '$2');
    const hide = isSecretName(span.key) && bare !== '' && !isPlaceholder(bare);
    out += maskUrlPasswords(text.slice(at, span.start)) + (hide ? raw.replace(raw.trim(), MASK) : maskUrlPasswords(raw));
    at = span.end;
  }
  return out + maskUrlPasswords(text.slice(at));
}
