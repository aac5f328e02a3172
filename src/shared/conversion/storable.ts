/**
 * What PostgreSQL jsonb cannot store. Its text must be valid UTF-8 without NUL, so a string or object key
 * holding `\u0000` or an unpaired surrogate is refused — and one such row would fail the whole batch write.
 * A JavaScript value with no JSON form (only code, never a JSON parser, can hand one in) is refused too.
 */

// eslint-disable-next-line no-control-regex -- NUL is exactly what we are looking for.
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Deeper than this, `JSON.stringify` (ours, or the pg driver's on the way to PostgreSQL) can overflow the
 * stack — at a few thousand levels on Node's default stack, less in a deep call chain — and PostgreSQL's own parser stops near 10,000.
 * Real legacy versions are flat.
 */
export const MAX_STORABLE_DEPTH = 1000;

const BAD_TEXT = 'holds text PostgreSQL jsonb cannot store (\\u0000 or an unpaired surrogate)';
const TOO_DEEP = `is nested deeper than ${MAX_STORABLE_DEPTH} levels`;
const NOT_JSON_DATA = 'holds a value JSON cannot represent';

export function isStorableText(text: string): boolean {
  return !UNSTORABLE_TEXT.test(text);
}

/** Why jsonb cannot store the value (for a row error message), or undefined when it can. */
export function unstorableReason(value: unknown): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : BAD_TEXT;
  if (typeof value !== 'object' || value === null) return isJsonScalar(value) ? undefined : NOT_JSON_DATA;
  return treeReason(value);
}

function isJsonScalar(value: unknown): boolean {
  return value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Iterative, so deep nesting cannot overflow the stack while it is checked. An object reached twice (a cycle,
 * or a shared reference — neither comes out of a JSON parser) is refused as well.
 */
function treeReason(root: object): string | undefined {
  const seen = new Set<object>();
  const stack: { node: object; depth: number }[] = [{ node: root, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth } = item;
    if (depth > MAX_STORABLE_DEPTH) return TOO_DEEP;
    if (seen.has(node)) return NOT_JSON_DATA;
    seen.add(node);
    const isArray = Array.isArray(node);
    for (const key of Object.keys(node)) {
      if (!isArray && !isStorableText(key)) return BAD_TEXT;
      const child: unknown = (node as Record<string, unknown>)[key];
      if (typeof child === 'string') {
        if (!isStorableText(child)) return BAD_TEXT;
      } else if (typeof child === 'object' && child !== null) {
        stack.push({ node: child, depth: depth + 1 });
      } else if (!isJsonScalar(child)) {
        return NOT_JSON_DATA;
      }
    }
  }
  return undefined;
}
