/**
 * Hiding secrets in what the migrate commands print (diffs, reports). A secret is the value of any setting
 * whose name contains PASSWORD, SECRET, KEY or TOKEN, and the password inside any URL. Placeholders such
 * as `${DB_PASSWORD}` are shown: they are not secrets, and the operator needs to see them to fill them in.
 */

export const MASK = '***';

export function isSecretName(name: string): boolean {
  return /password|secret|key|token/i.test(name);
}

export function isPlaceholder(value: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value.trim());
}

/** `scheme://user:secret@host` → `scheme://user:***@host`, wherever URLs occur in the text. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]*)@/gi, (whole, prefix: string, password: string) =>
    isPlaceholder(password) || password === '' ? whole : `${prefix}${MASK}@`,
  );
}
