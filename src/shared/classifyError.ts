import type { FailureCode } from './errorCodes.js';
import { TracktionError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exitCodes.js';
import { isUnreachable } from './services.js';

/** What a thrown value means: its code, the exit code a command ends with, whether trying again may help. */
export interface ErrorClass {
  code: FailureCode;
  exitCode: ExitCodeValue;
  transient: boolean;
}

/**
 * The one classification of anything thrown. A TracktionError says for itself; a driver's error that means
 * "nobody answered" (ECONNREFUSED, 57P03 …) is a service that is unavailable; anything else is `internal` —
 * a bug or a failure nothing here expected, exit 1, not known to be worth retrying.
 */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof TracktionError) return { code: err.code, exitCode: err.exitCode, transient: err.transient };
  if (isUnreachable(err)) return { code: 'service_unavailable', exitCode: ExitCode.serviceUnavailable, transient: true };
  return { code: 'internal', exitCode: ExitCode.failure, transient: false };
}
