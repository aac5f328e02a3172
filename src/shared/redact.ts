/** Hide credentials before anything is printed or logged. */

export const REDACTED = '***';

/**
 * The password of a URL's authority: `scheme://user:` then everything up to the LAST `@` before the path,
 * query or fragment — a password may itself hold `@` (the greedy match backtracks to the last one).
 */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^/?#\s]*)@/gi;

/** A password passed as a query parameter (`?password=…`, libpq's spelling, or `pass`/`pwd`). */
const QUERY_PASSWORD = /([?&](?:password|passwd|pass|pwd)=)([^&#\s]*)/gi;

/**
 * Replace every URL password in `text`; `keep(password)` may spare a value (a `${PLACEHOLDER}` the operator
 * has to see). One definition of where a URL keeps its password, for the logs and for the migrate diffs.
 */
export function replaceUrlPasswords(text: string, keep: (password: string) => boolean = () => false): string {
  return text
    .replace(URL_PASSWORD, (whole, prefix: string, password: string) => (keep(password) ? whole : `${prefix}${REDACTED}@`))
    .replace(QUERY_PASSWORD, (whole, prefix: string, password: string) => (keep(password) ? whole : `${prefix}${REDACTED}`));
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; leaves other strings alone. */
export function redactUrl(value: string): string {
  return replaceUrlPasswords(value);
}

/** Redact every URL-shaped credential inside any string (for log lines and error messages). */
export function redactText(text: string): string {
  return redactUrl(text);
}
