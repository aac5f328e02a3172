import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The operator token that guards the buttons that change a job. It travels in an `Authorization: Bearer`
 * header, never in a cookie or a form field: a page of another site cannot send that header without a CORS
 * preflight this server never grants, so a forged cross-site request cannot pause or cancel anything.
 */
export type Verdict = 'ok' | 'missing' | 'wrong' | 'not-configured';

export function checkToken(req: IncomingMessage, configured: string | undefined): Verdict {
  if (!configured) return 'not-configured';
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return 'missing';
  return sameSecret(match[1] as string, configured) ? 'ok' : 'wrong';
}

/** Compare digests in constant time: neither the length nor a common prefix leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
