/** Hide credentials before anything is printed or logged. */

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; leaves other strings alone. */
export function redactUrl(value: string): string {
  return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]*)@/gi, '$1***@');
}

/** Redact every URL-shaped credential inside any string (for log lines and error messages). */
export function redactText(text: string): string {
  return redactUrl(text);
}
