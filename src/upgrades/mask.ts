import { REDACTED, replaceUrlPasswords } from '../shared/redact.js';

/**
 * Hiding secrets in what the migrate commands print (diffs, reports). A secret is the value of any setting
 * whose name contains PASSWORD, SECRET, KEY or TOKEN, and the password inside any URL. Placeholders such
 * as `${DB_PASSWORD}` are shown: they are not secrets, and the operator needs to see them to fill them in.
 */

export const MASK = REDACTED;

export function isSecretName(name: string): boolean {
  return /password|secret|key|token/i.test(name);
}

export function isPlaceholder(value: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value.trim());
}

/**
 * `scheme://user:secret@host` → `scheme://user:***@host` (and `?password=secret`), wherever URLs occur in the
 * text; an empty password or a placeholder stays visible.
 */
export function maskUrlPasswords(text: string): string {
  return replaceUrlPasswords(text, (password) => isPlaceholder(password) || password === '');
}
