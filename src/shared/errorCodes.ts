/**
 * Every error code the product uses, in two closed lists: failure codes (carried by a thrown TracktionError,
 * printed, logged, ending a command with its exit code) and row-error codes (data: a legacy row the conversion
 * could not convert, stored in `backfill_errors.code` and printed by `backfill errors`). A code not listed
 * here does not compile.
 */

export const FAILURE_CODES = [
  // Command line and configuration.
  'usage', 'bad_configuration', 'invalid_file', 'partial',
  // Services.
  'service_unavailable', 'broker_refused', 'rabbitmq_reconnecting', 'publish_refused', 'publish_unconfirmed', 'no_answer',
  // Schema migration.
  'lock_timeout', 'migration_failed', 'preflight_failed', 'backup_failed', 'refused', 'verify_failed',
  // Backfill.
  'bad_conversion_options', 'plan_not_contiguous', 'plan_not_covering', 'unknown_range', 'range_mismatch', 'outside_job',
  'job_vanished', 'illegal_transition', 'write_contended',
  // Anything not thrown as a TracktionError: a bug or an unexpected library error.
  'internal',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** Why a legacy row was not converted (see the conversion rules). */
export const ROW_ERROR_CODES = ['invalid_json', 'not_an_object', 'invalid_value', 'unstorable', 'too_large'] as const;
export type RowErrorCode = (typeof ROW_ERROR_CODES)[number];

export function isFailureCode(value: unknown): value is FailureCode {
  return typeof value === 'string' && (FAILURE_CODES as readonly string[]).includes(value);
}

export function isRowErrorCode(value: unknown): value is RowErrorCode {
  return typeof value === 'string' && (ROW_ERROR_CODES as readonly string[]).includes(value);
}
