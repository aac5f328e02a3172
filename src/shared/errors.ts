import type { FailureCode } from './errorCodes.js';
import { ExitCode, type ExitCodeValue } from './exitCodes.js';

/**
 * The error hierarchy. Each class carries a stable `code` from the closed list in errorCodes.ts and decides two things:
 * the exit code a command ends with, and whether a backfill range that hit it is retried (transient)
 * or dead-lettered (permanent). Row errors of the conversion are data, not exceptions.
 */
export class TracktionError extends Error {
  readonly code: FailureCode;
  readonly exitCode: ExitCodeValue = ExitCode.failure;
  readonly transient: boolean = false;

  constructor(code: FailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad command-line input: a flag, an argument or an input line the command cannot use. */
export class UsageError extends TracktionError {
  override readonly exitCode = ExitCode.usage;
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/** A configuration value that breaks its rule. The message names the variable, never its value. */
export class ConfigError extends TracktionError {
  override readonly exitCode = ExitCode.badConfiguration;
  constructor(message: string) {
    super('bad_configuration', message);
  }
}

/** A service (PostgreSQL, RabbitMQ, Redis) that cannot be reached. */
export class ServiceUnavailableError extends TracktionError {
  override readonly exitCode = ExitCode.serviceUnavailable;
  override readonly transient = true;
  constructor(readonly service: string, message: string, options?: { cause?: unknown }) {
    super('service_unavailable', message, options);
  }
}

/** A failure worth retrying later (lost connection, deadlock, lock or statement timeout). */
export class TransientError extends TracktionError {
  override readonly transient = true;
  constructor(code: FailureCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A failure that retrying cannot fix (a forged message, a range outside its job). */
export class PermanentError extends TracktionError {
  constructor(code: FailureCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A command that did part of its work: some items failed (exit 2). */
export class PartialFailure extends TracktionError {
  override readonly exitCode = ExitCode.partial;
  constructor(message: string) {
    super('partial', message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The `code` property Node and drivers put on errors (ECONNREFUSED, 57P01 …), without `as any`. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
  }
  return undefined;
}

/** The thrown value as an Error (JavaScript can throw anything): itself, or an `internal` error carrying it. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new TracktionError('internal', String(err), { cause: err });
}
