import { HISTORY_UNIQUE_KEY } from '../shared/db/schemaSpec.js';
import { errorCode } from '../shared/errors.js';

/**
 * PostgreSQL SQLSTATEs (and socket errors) after which running the same range again can succeed.
 * Anything else is retried too — attempts are bounded — but logged as not transient.
 */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown (server stopping, pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
]);

const SOCKET_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

export function isTransientDatabaseError(err: unknown): boolean {
  const code = errorCode(err);
  if (code === undefined) return /Connection terminated|timeout exceeded when trying to connect/i.test(String(err));
  return TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || SOCKET_ERRORS.has(code);
}

/**
 * A row PostgreSQL refuses for its data (bad encoding, out of range, check violation): the row is
 * isolated and recorded as `unstorable`; the rest of its range is written.
 */
export function isRowDataError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (code.startsWith('22') || code === '23514');
}

/** The history row of a track for this version exists already: the unique key refused a second one. */
export function isHistoryDuplicate(err: unknown): boolean {
  return errorCode(err) === '23505' && (err as { constraint?: unknown }).constraint === HISTORY_UNIQUE_KEY;
}
