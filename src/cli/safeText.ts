/**
 * Text from the data (file paths, keys, messages of row errors) is written by whoever named a file. On its way
 * to a terminal its control characters could move the cursor, rewrite the title, clear the screen or, through
 * bidi overrides, show a name other than the real one. These helpers make such text inert.
 */

/** C0 controls (tab and newline too: they would break the columns), DEL, C1 controls, bidi overrides, line separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** For a terminal or a text report: every unsafe character as a visible escape (`\x1b`, `\u{202e}`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/**
 * JSON whose text holds no raw control character: JSON.stringify escapes C0 but leaves DEL, C1 controls and
 * the bidi/line separators raw. The escapes decode to the same data.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
