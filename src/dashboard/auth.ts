import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonObject, sendJson } from '../shared/http/server.js';

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

/**
 * Answer 403 (no token configured: read-only dashboard) or 401 (token missing or wrong) and return true, or
 * return false when the request carries the right token. `counted` learns which refusal it was, for the metric.
 */
export function refusedWithoutToken(req: IncomingMessage, res: ServerResponse, configured: string | undefined,
  counted: (result: 'forbidden' | 'unauthorized') => void): boolean {
  const verdict = checkToken(req, configured);
  if (verdict === 'ok') return false;
  const forbidden = verdict === 'not-configured';
  counted(forbidden ? 'forbidden' : 'unauthorized');
  if (forbidden) sendJson(res, 403, { error: 'read-only dashboard: set DASHBOARD_TOKEN to enable its buttons' });
  else sendJson(res, 401, { error: verdict === 'missing' ? 'the operator token is required' : 'the operator token is wrong' },
    { 'WWW-Authenticate': 'Bearer realm="tracktion-migrate dashboard"' });
  return true;
}

/**
 * The common start of every button's request: POST only (405), the operator token (403/401, counted), a small
 * JSON object as body (400 naming `bodyExample`). The body, or undefined when the request has been answered.
 */
export async function authorizedActionBody(req: IncomingMessage, res: ServerResponse, configured: string | undefined,
  counted: (result: 'forbidden' | 'unauthorized') => void, bodyExample: string): Promise<Record<string, unknown> | undefined> {
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'use POST' }, { Allow: 'POST' });
    return undefined;
  }
  if (refusedWithoutToken(req, res, configured, counted)) return undefined;
  const body = await readJsonObject(req);
  if (!body) sendJson(res, 400, { error: `the body must be a small JSON object: ${bodyExample}` });
  return body;
}
