import { Buffer } from 'node:buffer';

/** What `parseJson` returns for text that is not JSON (a symbol: no JSON value can be one). */
export const NOT_JSON: unique symbol = Symbol('not JSON');

/**
 * JSON.parse is RFC 8259: no NaN/Infinity, single quotes or trailing commas; whitespace around the value is
 * allowed; of duplicated keys the last wins. A leading BOM is not JSON whitespace, so it does not parse.
 * Any throw — a syntax error, or a RangeError for absurd nesting — means text we cannot read as JSON.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** A JSON object: not null, not an array, not a scalar. */
export function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Cheap bounds first: each UTF-16 unit is 1–3 UTF-8 bytes (a surrogate pair is 4 bytes for 2 units). */
export function exceedsUtf8Bytes(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true;
  if (text.length * 3 <= maxBytes) return false;
  return Buffer.byteLength(text, 'utf8') > maxBytes;
}

/** "an array", "a number", "null" … for the not_an_object message. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
