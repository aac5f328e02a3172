import { CommanderError } from 'commander';
import { ExitCode } from '../shared/exitCodes.js';
import { classifyError } from '../shared/classifyError.js';
import { errorMessage } from '../shared/errors.js';
import { redactText } from '../shared/redact.js';
import { printMessage } from './output.js';
import { getConfig } from '../shared/config.js';
import { printable } from './safeText.js';

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
  const message = redactText(missingQueueMessage(errorMessage(err)) ?? errorMessage(err));
  printMessage(`tracktion-migrate: ${message}`);
  if (showStack && err instanceof Error && err.stack) printMessage(redactText(err.stack));
}

/**
 * RabbitMQ's answer to a passive declare of a queue nobody declared ("NOT_FOUND - no queue 'x' in vhost '/'")
 * usually means another namespace: the fleet (or the demo, which runs in its own) declared its queues elsewhere.
 */
export function missingQueueMessage(message: string): string | undefined {
  const queue = /NOT_FOUND - no queue '([^']*)'/.exec(message)?.[1];
  if (queue === undefined) return undefined;
  let namespace = 'unknown';
  try {
    namespace = getConfig().TRACKTION_NAMESPACE;
  } catch {
    // A bad configuration is reported on its own; the queue's name still says enough.
  }
  return `RabbitMQ has no queue ${printable(queue)}: no producer or consumer has run in namespace "${namespace}" ` +
    `(TRACKTION_NAMESPACE) — set TRACKTION_NAMESPACE to the fleet's namespace (the demo's is "<namespace>-demo", printed at its end)`;
}
