import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { zodProblems } from './zodProblems.js';

/**
 * The one place that reads the environment. Every variable is declared here with its default and rule;
 * `.env.example` documents the same list. A bad value is reported by variable name and rule — never by
 * value, because the value may be a password.
 */

const urlWithScheme = (schemes: string[]) =>
  z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
    } catch {
      return false;
    }
  }, `must be a URL with scheme ${schemes.map((s) => `${s}://`).join(' or ')}`);

const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''], {
    error: 'must be one of 1, 0, true, false, yes, no, on, off',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number between ${min} and ${max}`);

/** A duration in whole seconds, or with a unit: `90`, `90s`, `15m`, `1h`, `2d`. */
const SECONDS_PER_UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const durationSeconds = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+[smhd]?$/, `must be whole seconds or a whole number with s, m, h or d (${min}s to ${max}s)`)
    .transform((v) => Number(v.replace(/[smhd]$/, '')) * (SECONDS_PER_UNIT[v.slice(-1)] ?? 1))
    .refine((n) => n >= min && n <= max, `must be between ${min}s and ${max}s`);

/** A port to listen on: 0 asks the system for a free one (logged); `off` means no server at all. */
const portOrOff = z
  .string()
  .regex(/^(off|\d{1,5})$/, 'must be off or a port number between 0 and 65535')
  .transform((v) => (v === 'off' ? null : Number(v)))
  .refine((n) => n === null || n <= 65_535, 'must be off or a port number between 0 and 65535');
const listenHost = z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, 'must be a host name or an IP address');

/**
 * Log levels in any case, and Python's names for two of them: the tool is often run from the application's
 * directory, whose `.env` (read as ours) says `LOG_LEVEL=INFO` or `WARNING` for the application's own logging.
 */
function logLevelName(value: string): string {
  const name = value.trim().toLowerCase();
  return ({ warning: 'warn', critical: 'fatal' } as Record<string, string>)[name] ?? name;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const logLevel = z
  .string()
  .transform(logLevelName)
  .pipe(z.enum(LOG_LEVELS, {
    error: `must be one of ${LOG_LEVELS.join(', ')} (any case; WARNING and CRITICAL are read as warn and fatal)`,
  }));

/** A level named on the command line (--log-level), read by the same rule as LOG_LEVEL; throws ConfigError. */
export function parseLogLevel(value: string, source = 'LOG_LEVEL'): LogLevel {
  const result = logLevel.safeParse(value);
  if (!result.success) throw new ConfigError(`${source} ${result.error.issues.map((i) => i.message).join('; ')}`);
  return result.data;
}

/**
 * BACKFILL_APP_LATENCY_TARGET: `off`, a ratio to the application's read latency measured before the job ran
 * (`2x`, 1.1–100), or a time (`25ms`, 1–60000). The throttle keeps the fleet's probe of it under the target.
 */
export type AppLatencyTarget = { kind: 'ratio'; ratio: number } | { kind: 'ms'; ms: number };

/** The target, null for `off`, undefined for text that is not one. */
export function parseAppLatencyTarget(text: string): AppLatencyTarget | null | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off') return null;
  const match = /^(?:(\d+(?:\.\d+)?)x|(\d+(?:\.\d+)?)ms)$/.exec(value);
  if (!match) return undefined;
  if (match[1] !== undefined) {
    const ratio = Number(match[1]);
    return ratio >= 1.1 && ratio <= 100 ? { kind: 'ratio', ratio } : undefined;
  }
  const ms = Number(match[2]);
  return ms >= 1 && ms <= 60_000 ? { kind: 'ms', ms } : undefined;
}

const APP_LATENCY_TARGET_RULE = 'must be off, a ratio to the application\'s baseline from 1.1x to 100x (e.g. 2x), or a time from 1ms to 60000ms (e.g. 25ms)';
const appLatencyTarget = z.string().transform((value, ctx) => {
  const target = parseAppLatencyTarget(value);
  if (target === undefined) {
    ctx.addIssue({ code: 'custom', message: APP_LATENCY_TARGET_RULE });
    return z.NEVER;
  }
  return target;
});

const envSchema = z.object({
  DATABASE_URL: urlWithScheme(['postgres', 'postgresql']).default('postgres://postgres@127.0.0.1:5432/tracktion'),
  RABBITMQ_URL: urlWithScheme(['amqp', 'amqps']).default('amqp://guest:guest@127.0.0.1:5672'),
  REDIS_URL: urlWithScheme(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  LOG_LEVEL: logLevel.default('info'),
  // auto: human lines when stderr is a terminal, JSON lines otherwise (a file, a pipe, a log collector).
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'must be one of auto, json, pretty' }).default('auto'),
  // The older spelling of LOG_FORMAT=pretty, still read when LOG_FORMAT is left at auto.
  LOG_PRETTY: booleanFlag.default(false),
  // https://no-color.org: any non-empty value turns colour off (empty counts as unset, as for every variable).
  NO_COLOR: z.string().optional(),
  TRACKTION_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be 1-40 characters: lowercase letters, digits, _ or -, starting with a letter')
    .default('tracktion'),
  ANALYSIS_VERSION: z.string().min(1).max(20, 'must be 1-20 characters').default('2024.1'),
  BACKFILL_RANGE_SIZE: intIn(1, 1_000_000).default(2000),
  BACKFILL_TARGET_RANGE_MS: intIn(100, 600_000).default(2000),
  BACKFILL_MIN_RANGE_SIZE: intIn(1, 1_000_000).default(100),
  // Bigger ranges go faster but cost consumer memory (npm run bench, 1M tracks: 2,000 → ~140 MB peak RSS,
  // 3,000 → ~155 MB, 10,000 → ~195 MB). The default keeps a consumer under 150 MB; raise it where memory is cheap.
  BACKFILL_MAX_RANGE_SIZE: intIn(1, 1_000_000).default(2000),
  // The largest range size anyone may ask for (enqueue --range-size, BACKFILL_RANGE_SIZE, the adaptive maximum).
  // Memory is bounded by CONSUMER_CHUNK_ROWS whatever the size; this bounds one range transaction instead: the
  // row locks and WAL it holds until COMMIT, and the work a failed attempt throws away.
  BACKFILL_RANGE_SIZE_LIMIT: intIn(1, 1_000_000).default(100_000),
  BACKFILL_PLANNING_WINDOW: intIn(1, 1_000_000).default(100),
  // 1 measured fastest on 2 cores: more ranges in flight only make their writes compete for CPU (npm run bench).
  CONSUMER_PREFETCH: intIn(1, 1000).default(1),
  // Rows a consumer reads, converts and writes at a time inside a range's transaction: what bounds its memory
  // (~4 KB a row in flight). Above the default range size, so a default range is one chunk, as fast as before.
  CONSUMER_CHUNK_ROWS: intIn(100, 100_000).default(5000),
  BACKFILL_MAX_ATTEMPTS: intIn(1, 100).default(5),
  BACKFILL_RETRY_BASE_MS: intIn(10, 3_600_000).default(1000),
  RANGE_STATEMENT_TIMEOUT_MS: intIn(100, 3_600_000).default(60_000),
  THROTTLE_MAX_REPLICATION_LAG_SECONDS: intIn(1, 86_400).default(10),
  THROTTLE_MIN_RATE: intIn(1, 1_000_000).default(100),
  // The application's latency the throttle keeps the backfill under (docs/operations.md, "Throttling on the
  // application's latency"). Off by default: on 2 CPUs it did not reach its goal (npm run bench:live) and a
  // tool's own sessions without a name (psql, scripts) count as the application; 2x is the value to start from.
  BACKFILL_APP_LATENCY_TARGET: appLatencyTarget.default(null),
  CONVERSION_MAX_BLOB_BYTES: intIn(1024, 1_073_741_824).default(16 * 1024 * 1024),
  SHUTDOWN_GRACE_MS: intIn(0, 3_600_000).default(30_000),
  HEARTBEAT_TTL_SECONDS: intIn(2, 3600).default(15),
  BACKUP_DIR: z.string().min(1).default('backups'),
  PREFLIGHT_LONG_TRANSACTION_SECONDS: intIn(1, 86_400).default(300),
  PREFLIGHT_MAX_CONNECTIONS: intIn(0, 100_000).default(5),
  PREFLIGHT_MAX_DISK_USED_PERCENT: intIn(1, 100).default(90),
  MIGRATION_LOCK_TIMEOUT_MS: intIn(10, 60_000).default(500),
  MIGRATION_ONLINE_LOCK_TIMEOUT_MS: intIn(10, 3_600_000).default(30_000),
  MIGRATION_STATEMENT_TIMEOUT_MS: intIn(100, 3_600_000).default(2000),
  MIGRATION_LOCK_RETRIES: intIn(0, 100).default(5),
  MIGRATION_LOCK_RETRY_DELAY_MS: intIn(1, 600_000).default(1000),
  METRICS_PORT: portOrOff.default(0),
  METRICS_HOST: listenHost.default('127.0.0.1'),
  // How long a finished job's per-job series stay exported (its last values, for dashboards and alerts), in
  // seconds. Without it every job ever run keeps its series until the process restarts.
  METRICS_FINISHED_JOB_TTL: durationSeconds(1, 30 * 86_400).default(3600),
  // Open ranges one consumer is counted for in backfill_consumers_wanted, the autoscaler's metric: fewer means
  // more consumers for the same work (up to the autoscaler's maximum). Read by the producer.
  AUTOSCALE_RANGES_PER_CONSUMER: intIn(1, 1_000_000).default(10),
  DASHBOARD_PORT: intIn(0, 65_535).default(8080),
  DASHBOARD_HOST: listenHost.default('127.0.0.1'),
  DASHBOARD_TOKEN: z.string().min(16, 'must be at least 16 characters').max(512, 'must be at most 512 characters').optional(),
  // The password `db fleet-login` gives the fleet's role. Letters, digits and - . _ ~ only: it is written as it
  // is into the fleet's DATABASE_URL (no percent-encoding needed), and ASCII needs no SASLprep for SCRAM.
  FLEET_DATABASE_PASSWORD: z.string()
    .regex(/^[A-Za-z0-9._~-]*$/, 'must hold letters, digits, -, ., _ and ~ only')
    .min(16, 'must be at least 16 characters').max(1024, 'must be at most 1024 characters').optional(),
});

/** Sizes the operator can set must fit the limit: a clear error at start-up, not a refused enqueue later. */
const RANGE_SIZES_WITHIN_LIMIT = ['BACKFILL_RANGE_SIZE', 'BACKFILL_MAX_RANGE_SIZE', 'BACKFILL_MIN_RANGE_SIZE'] as const;
const checkedEnvSchema = envSchema.superRefine((config, ctx) => {
  for (const name of RANGE_SIZES_WITHIN_LIMIT) {
    const problem = rangeSizeProblem(config, config[name]);
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
  }
});

export type Config = Readonly<z.infer<typeof envSchema>>;

/** Why a range size cannot be used (above BACKFILL_RANGE_SIZE_LIMIT), or undefined when it can. */
export function rangeSizeProblem(config: Pick<Config, 'BACKFILL_RANGE_SIZE_LIMIT'>, size: number): string | undefined {
  return size > config.BACKFILL_RANGE_SIZE_LIMIT
    ? `must not exceed BACKFILL_RANGE_SIZE_LIMIT (${config.BACKFILL_RANGE_SIZE_LIMIT}); raise that setting to allow larger ranges`
    : undefined;
}
export type Env = Record<string, string | undefined>;

/** Parse an environment into the frozen config; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const result = checkedEnvSchema.safeParse(dropEmpty(env));
  if (!result.success) {
    const problems = zodProblems(result.error);
    throw new ConfigError(`bad configuration — ${problems.join('; ')}`);
  }
  return Object.freeze(result.data);
}

/** Unset and empty are the same to an operator: both mean "use the default". */
function dropEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

/** Read `.env` (or TRACKTION_ENV_FILE) under the real environment: a variable set in the environment wins. */
export function environmentWithDotenv(env: Env = process.env): Env {
  const path = env.TRACKTION_ENV_FILE ?? '.env';
  if (!existsSync(path)) {
    if (env.TRACKTION_ENV_FILE) throw new ConfigError(`TRACKTION_ENV_FILE: file not found: ${path}`);
    return resolveFileVariables(env);
  }
  return resolveFileVariables({ ...parseDotenv(readFileSync(path)), ...env });
}

/** Credentials that may come from a file (Docker and Kubernetes secrets): `DATABASE_URL_FILE=/run/secrets/db`. */
export const FILE_VARIABLES = ['DATABASE_URL', 'RABBITMQ_URL', 'REDIS_URL', 'DASHBOARD_TOKEN', 'FLEET_DATABASE_PASSWORD'] as const;

/** Replace each `X_FILE` by `X` = the file's content (trailing newline removed); never both, never silently. */
export function resolveFileVariables(env: Env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Env {
  const resolved: Env = { ...env };
  for (const name of FILE_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) throw new ConfigError(`${name} and ${name}_FILE are both set: set one of them`);
    try {
      resolved[name] = readFile(file).replace(/\r?\n$/, '');
    } catch {
      throw new ConfigError(`${name}_FILE: cannot read the file ${file}`);
    }
  }
  return resolved;
}

let cached: Config | undefined;
let logLevelOverride: LogLevel | undefined;

/** The process's configuration, parsed once on first use. */
export function getConfig(): Config {
  cached ??= loadConfig({ ...environmentWithDotenv(), ...(logLevelOverride ? { LOG_LEVEL: logLevelOverride } : {}) });
  return cached;
}

/**
 * --quiet, --verbose and --log-level: the command line wins over LOG_LEVEL. Called before any command reads the
 * configuration; the level is checked by LOG_LEVEL's own rule.
 */
export function overrideLogLevel(value: string, source: string): void {
  logLevelOverride = parseLogLevel(value, source);
  cached = undefined;
}

/**
 * The environment for a child process of ours (the demo's producer and consumers): this process's
 * environment with some variables replaced. Lives here because only this module reads the environment.
 */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
