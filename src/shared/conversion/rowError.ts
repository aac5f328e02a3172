import type { LegacyKey, RowErrorCode, RowErrorOutcome } from './types.js';

/** How many characters of the offending value a message shows. */
export const SHOWN_VALUE_MAX_CHARS = 200;

/** The subject of a message about the whole legacy value rather than one key. */
const WHOLE_VALUE = 'analysis_data';

export function rowError(code: RowErrorCode, key: LegacyKey | null, message: string): RowErrorOutcome {
  return { outcome: 'error', code, key, message };
}

/** `<key or analysis_data> <problem>: <value>` — the message names the key and shows the value. */
export function rowErrorAbout(
  code: RowErrorCode,
  key: LegacyKey | null,
  problem: string,
  value: unknown,
): RowErrorOutcome {
  return rowError(code, key, `${key ?? WHOLE_VALUE} ${problem}: ${showValue(value)}`);
}

/**
 * The value JSON-encoded and cut to 200 characters ("…" marks a cut). JSON encoding escapes NUL and lone
 * surrogates, so the message itself is always storable in PostgreSQL. Never throws.
 */
export function showValue(value: unknown): string {
  return cut(encode(value));
}

function encode(value: unknown): string {
  try {
    if (typeof value === 'string') {
      // One character more than shown is enough to cut the encoding exactly where the full one would be cut.
      return JSON.stringify(value.length > SHOWN_VALUE_MAX_CHARS + 1 ? value.slice(0, SHOWN_VALUE_MAX_CHARS + 1) : value);
    }
    // JSON would print a non-finite number as null; show what the reader saw (1e400 reads as Infinity).
    if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : String(value);
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return typeof value;
    return JSON.stringify(value);
  } catch {
    // A cycle, a bigint or nesting too deep to encode.
    return Object.prototype.toString.call(value);
  }
}

function cut(text: string): string {
  if (text.length <= SHOWN_VALUE_MAX_CHARS) return text;
  let end = SHOWN_VALUE_MAX_CHARS;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // never split a surrogate pair: the half would be unstorable
  return `${text.slice(0, end)}…`;
}
