import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import { getConfig, type Config } from './config.js';
import { endLiveLine } from './liveLine.js';
import { redactText } from './redact.js';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * Logs go to stderr (stdout carries command data). LOG_FORMAT=auto (the default) writes human lines when stderr
 * is a terminal and JSON lines otherwise, so a file, a pipe or a log collector always gets JSON; LOG_PRETTY=1 is
 * the older spelling of pretty. Colour only on a terminal and only without NO_COLOR (https://no-color.org).
 * Every string field passes through the URL redactor, so a connection string never shows its password.
 */
export function createLogger(name: string): Logger {
  const config = getConfig();
  const stderr = { isTTY: process.stderr.isTTY === true };
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
  return pino(options, logDestination(logFormat(config, stderr), useColour(config, stderr)));
}

/**
 * A step of a db command that took this long is logged at info; faster ones at debug (--verbose shows them).
 * The commands print their own verdicts and results: at the default level a fast step is noise among them.
 */
export const SLOW_STEP_MS = 1000;

/** The level for a step's "done (N ms)" line. */
export function stepLogLevel(ms: number): 'info' | 'debug' {
  return ms >= SLOW_STEP_MS ? 'info' : 'debug';
}

/** The format LOG_FORMAT (or the older LOG_PRETTY) asks for on this stderr. */
export function logFormat(config: Pick<Config, 'LOG_FORMAT' | 'LOG_PRETTY'>, stderr: { isTTY: boolean }): LogFormat {
  if (config.LOG_FORMAT !== 'auto') return config.LOG_FORMAT;
  return config.LOG_PRETTY || stderr.isTTY ? 'pretty' : 'json';
}

/** Colour is for a person at a terminal who has not said NO_COLOR; escape codes in a file or a pipe are noise. */
export function useColour(config: Pick<Config, 'NO_COLOR'>, stderr: { isTTY: boolean }): boolean {
  return stderr.isTTY && !config.NO_COLOR;
}

/**
 * Written synchronously in this process (not in pino's worker transport) so that a log line can end the live
 * progress line first, and nothing is lost when the process exits right after logging.
 */
function logDestination(format: LogFormat, colour: boolean): DestinationStream {
  const render = format === 'pretty' ? prettyRenderer(colour) : (line: string) => line;
  return {
    write(line: string) {
      endLiveLine();
      process.stderr.write(render(line));
    },
  };
}

/** pino-pretty is loaded only when used: producer and consumers in production log JSON and never need it. */
function prettyRenderer(colour: boolean): (line: string) => string {
  const require = createRequire(import.meta.url);
  const { prettyFactory } = require('pino-pretty') as { prettyFactory: (o: PrettyOptions) => (line: string) => string };
  return prettyFactory({ colorize: colour, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true });
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
