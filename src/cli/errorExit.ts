import { CommanderError } from 'commander';
import { ExitCode } from '../shared/exitCodes.js';
import { classifyError } from '../shared/classifyError.js';
import { errorMessage } from '../shared/errors.js';
import { redactText } from '../shared/redact.js';
import { printMessage } from './output.js';

/**
 * Turn whatever a command threw into one line on stderr and an exit code from the documented table —
 * never a stack trace for an expected failure. LOG_LEVEL=debug adds the stack for a bug report.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  return classifyError(err).exitCode;
}

export function reportError(err: unknown, showStack: boolean): void {
  if (err instanceof CommanderError) return; // commander already printed its message
  const message = redactText(errorMessage(err));
  printMessage(`tracktion-migrate: ${message}`);
  if (showStack && err instanceof Error && err.stack) printMessage(redactText(err.stack));
}
