import { pino, type Logger } from 'pino';
import { getConfig } from './config.js';
import { redactText } from './redact.js';

export type { Logger };

/**
 * Logs go to stderr (stdout carries command data). JSON lines by default; LOG_PRETTY=1 for people.
 * Every string field passes through the URL redactor, so a connection string never shows its password.
 */
export function createLogger(name: string): Logger {
  const config = getConfig();
  const options = {
    name,
    level: config.LOG_LEVEL,
    hooks: {
      logMethod(args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map(redactArgument));
      },
    },
    serializers: { err: serializeError },
  };
  if (config.LOG_PRETTY) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino(options, pino.destination(2));
}

function redactArgument(arg: unknown): unknown {
  if (typeof arg === 'string') return redactText(arg);
  if (arg && typeof arg === 'object' && !(arg instanceof Error) && !Array.isArray(arg)) {
    // Shallow on purpose: errors keep their prototype for the serializer, nested data stays as logged.
    return Object.fromEntries(
      Object.entries(arg).map(([k, v]) => [k, typeof v === 'string' ? redactText(v) : v]),
    );
  }
  return arg;
}

function serializeError(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error);
  return { ...serialized, message: redactText(serialized.message), stack: serialized.stack ? redactText(serialized.stack) : undefined };
}
