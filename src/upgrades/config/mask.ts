import { MASK, isPlaceholder, maskUrlPasswords } from '../mask.js';

/**
 * Mask secrets in YAML or JSON text for display (the dry-run diff): the value of every key whose name marks
 * a secret — a one-line value, a block scalar or a whole section under it — and passwords inside URLs.
 */

/**
 * A configuration key holds a secret when its last word says so (`password`, `jwt_secret`, `master_key`,
 * `api_token`, `secrets`) — not `password_policy` or `password_min_length`, which are settings about secrets.
 */
export function isSecretConfigKey(key: string): boolean {
  const last = key.toLowerCase().split(/[_\-.\s]+/).filter(Boolean).at(-1) ?? '';
  return /^(password|passwd|pwd|secret|secrets|key|keys|token|tokens|passphrase)$/.test(last) || /^[a-z]*(password|secret|token)$/.test(last);
}

const KEY_LINE = /^(\s*(?:-\s+)?)(["']?)([^\s"'#:][^"'#:]*?)\2(\s*:)(\s*)(.*)$/;

export function maskConfigText(text: string): string {
  let secretIndent: number | undefined;
  return text
    .split('\n')
    .map((line) => {
      const indent = line.length - line.trimStart().length;
      if (secretIndent !== undefined && (line.trim() === '' || indent > secretIndent)) {
        return maskUrlPasswords(maskNestedLine(line));
      }
      secretIndent = undefined;
      const match = KEY_LINE.exec(line);
      if (!match || !isSecretConfigKey(match[3] ?? '')) return maskUrlPasswords(maskFlowPairs(line));
      const [, lead = '', quote = '', key = '', colon = '', space = '', value = ''] = match;
      const { body, comma } = splitComma(value);
      if (body === '' || /^[|>]/.test(body) || body.startsWith('&') || /^[{[](?!.*[}\]]$)/.test(body)) {
        secretIndent = indent;
        return maskUrlPasswords(line);
      }
      if (isPlaceholder(unquote(body))) return line;
      return `${lead}${quote}${key}${quote}${colon}${space}"${MASK}"${comma}`;
    })
    .join('\n');
}

/** `{user: x, password: y}` and minified JSON: secret pairs inside flow collections on one line. */
function maskFlowPairs(line: string): string {
  return line.replace(
    /([{,]\s*)(["']?)([\w.-]+)\2(\s*:\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^,}\]]+)/g,
    (whole, before: string, quote: string, key: string, colon: string, value: string) =>
      isSecretConfigKey(key) && !isPlaceholder(unquote(value.trim())) ? `${before}${quote}${key}${quote}${colon}"${MASK}"` : whole,
  );
}

/** Inside a secret section: keep keys and structure, hide values. */
function maskNestedLine(line: string): string {
  if (line.trim() === '' || /^[\s\]}]*,?\r?$/.test(line)) return line;
  const match = KEY_LINE.exec(line);
  if (match) {
    const [, lead = '', quote = '', key = '', colon = '', space = '', value = ''] = match;
    const { body, comma } = splitComma(value);
    if (body === '' || /^[{[]$/.test(body)) return line;
    return `${lead}${quote}${key}${quote}${colon}${space}"${MASK}"${comma}`;
  }
  const indent = line.slice(0, line.length - line.trimStart().length);
  return `${indent}${MASK}`;
}

function splitComma(value: string): { body: string; comma: string } {
  const trimmed = value.replace(/\s+$/, '');
  return trimmed.endsWith(',') ? { body: trimmed.slice(0, -1).trim(), comma: ',' } : { body: trimmed, comma: '' };
}

function unquote(value: string): string {
  return value.replace(/\s+#.*$/, '').replace(/^(["'])(.*)\1$/, '$2');
}
