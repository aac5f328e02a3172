import type { ConversionOutcome } from './types.js';

/**
 * The line formats of the dry run (`tracktion-migrate convert`).
 *
 * Input: one line per track, what `psql -At -c "SELECT to_json(analysis_data) FROM tracks"` prints — the
 * JSON encoding of the text as a string, or `null` / an empty line for SQL NULL.
 * Output: one JSON object per line, `outcome` first.
 */

/** A line that is not a JSON string, `null` or empty. */
export const NOT_AN_INPUT_LINE: unique symbol = Symbol('not an input line');

/** The legacy value a line holds (text, or null for SQL NULL), or NOT_AN_INPUT_LINE. */
export function decodeInputLine(line: string): string | null | typeof NOT_AN_INPUT_LINE {
  if (line === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return NOT_AN_INPUT_LINE;
  }
  return typeof value === 'string' || value === null ? value : NOT_AN_INPUT_LINE;
}

const SKIPPED_LINE = '{"outcome":"skipped"}';

/** `{"outcome":"converted",<the record's keys>}`, `{"outcome":"error",…}` or `{"outcome":"skipped"}`. */
export function encodeOutcomeLine(outcome: ConversionOutcome): string {
  switch (outcome.outcome) {
    case 'skipped':
      return SKIPPED_LINE;
    case 'error':
      return JSON.stringify(outcome);
    case 'converted':
      // Splice instead of spreading the record into a new object: one encoding, no copy.
      return `{"outcome":"converted",${JSON.stringify(outcome.record).slice(1)}`;
  }
}
