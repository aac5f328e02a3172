import { PermanentError, TracktionError, TransientError, UsageError } from '../shared/errors.js';

/**
 * Errors of the schema-migration commands. Each message says what failed and what to do next; the
 * exit code comes from the base class (1 unless stated).
 */

/** A lock could not be had within the timeout after every retry; the message names the blocking sessions. */
export class LockTimeoutError extends TransientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('lock_timeout', message, options);
  }
}

/** A migration step failed; the message carries which revisions are applied now. */
export class MigrationError extends TracktionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('migration_failed', message, options);
  }
}

/** A pre-flight check stopped the command before anything changed. */
export class PreflightError extends TracktionError {
  constructor(message: string) {
    super('preflight_failed', message);
  }
}

/** pg_dump or pg_restore failed; nothing was changed by the command. */
export class BackupError extends TracktionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('backup_failed', message, options);
  }
}

/** A revision the code does not know, or a target in the wrong direction (exit 64). */
export class RevisionError extends UsageError {}

/** A rollback that would destroy library data (the Baseline never drops a `tracks` that holds rows). */
export class RefusedError extends PermanentError {
  constructor(message: string) {
    super('refused', message);
  }
}
