import { PermanentError } from '../errors.js';
import { ANALYSIS_VERSION_MAX_LENGTH } from './rules.js';
import { isStorableText } from './storable.js';
import type { ConversionOptions } from './types.js';

/** Options checked once and reduced to what each conversion needs. */
export interface ConversionSettings {
  readonly analysisVersion: string;
  /** `now` as ISO-8601 UTC, computed once rather than once per row. */
  readonly migrationDate: string;
  readonly maxBytes: number | undefined;
}

/**
 * Why an analysis version is not usable, or undefined when it is: 1–20 characters (code points, as
 * PostgreSQL counts them), and text PostgreSQL can store. Shared by the CLI and the job options.
 */
export function analysisVersionProblem(version: string): string | undefined {
  const length = [...version].length;
  if (length === 0 || length > ANALYSIS_VERSION_MAX_LENGTH) {
    return `must be 1-${ANALYSIS_VERSION_MAX_LENGTH} characters (got ${length})`;
  }
  if (!isStorableText(version)) return 'must not hold \\u0000 or an unpaired surrogate';
  return undefined;
}

/**
 * Check the options. Bad options are a mistake of the caller, not of a row: they throw (a PermanentError,
 * so a range sent with them is dead-lettered rather than retried), whereas a bad legacy value never does.
 */
export function resolveConversionOptions(options: ConversionOptions): ConversionSettings {
  const problem =
    typeof options.analysisVersion === 'string' ? analysisVersionProblem(options.analysisVersion) : 'must be a string';
  if (problem !== undefined) throw badOption(`analysisVersion ${problem}`);
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) {
    throw badOption('now must be a valid Date');
  }
  const { maxBytes } = options;
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw badOption(`maxBytes must be a positive whole number (got ${String(maxBytes)})`);
  }
  return Object.freeze({
    analysisVersion: options.analysisVersion,
    migrationDate: options.now.toISOString(),
    maxBytes,
  });
}

function badOption(message: string): PermanentError {
  return new PermanentError('bad_conversion_options', `conversion options: ${message}`);
}
