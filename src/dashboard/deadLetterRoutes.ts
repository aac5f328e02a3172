import type { IncomingMessage, ServerResponse } from 'node:http';
import { UsageError, errorMessage } from '../shared/errors.js';
import { pathOf, sendJson } from '../shared/http/server.js';
import type { Logger } from '../shared/logger.js';
import type { DashboardMetrics } from '../shared/metrics/registry.js';
import { authorizedActionBody } from './auth.js';
import { BusyError, jobFilter, purgeSummary, requeueSummary, type DashboardDeadLetters } from './deadLetterQueue.js';

export const DEAD_LETTERS_PATH = '/api/dead-letters';

export interface DeadLetterRouteDeps {
  deadLetters: DashboardDeadLetters;
  token: string | undefined;
  metrics: DashboardMetrics;
  logger: Logger;
  /** Called after the queue changed, so open pages see its depth without waiting for the next round. */
  changed: () => void;
}

/**
 *   GET  /api/dead-letters[?job=ID]        {depth, letters, readAt}: the first 50, as `backfill dlq list --json`
 *   POST /api/dead-letters/requeue         the report of `backfill dlq requeue --yes --json` and `summary`
 *   POST /api/dead-letters/purge           {purged, applied} as `backfill dlq purge --yes --json`, and `summary`
 * The POSTs take the operator token and an optional JSON body {"job": ID}. 400 for a job that is not an id.
 */
export async function handleDeadLetters(req: IncomingMessage, res: ServerResponse, deps: DeadLetterRouteDeps): Promise<boolean> {
  const path = pathOf(req);
  if (path === DEAD_LETTERS_PATH) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    await answer(res, deps, 'list', () => {
      const query = new URL(req.url ?? '/', 'http://dashboard.invalid').searchParams;
      return deps.deadLetters.list(jobFilter(query.get('job') ?? undefined));
    });
    return true;
  }
  const action = path === `${DEAD_LETTERS_PATH}/requeue` ? 'dlq-requeue' : path === `${DEAD_LETTERS_PATH}/purge` ? 'dlq-purge' : undefined;
  if (!action) return false;
  const body = await authorizedActionBody(req, res, deps.token, (result) => deps.metrics.actions.inc({ action, result }),
    '{"job": 7}, or {} for every job');
  if (!body) return true;
  const actor = `dashboard ${req.socket.remoteAddress ?? 'unknown'}`;
  await answer(res, deps, action, async () => {
    const jobId = jobFilter(body.job);
    const result = action === 'dlq-requeue'
      ? await deps.deadLetters.requeue(jobId).then((r) => ({ ...r, summary: requeueSummary(r) }))
      : await deps.deadLetters.purge(jobId).then((r) => ({ ...r, summary: purgeSummary(r) }));
    deps.metrics.actions.inc({ action, result: 'ok' });
    deps.logger.info({ jobId, action, actor, result }, 'dashboard action');
    deps.changed();
    return result;
  });
  return true;
}

async function answer(res: ServerResponse, deps: DeadLetterRouteDeps, action: string, run: () => Promise<object>): Promise<void> {
  try {
    sendJson(res, 200, await run());
  } catch (err) {
    if (err instanceof UsageError) return sendJson(res, 400, { error: err.message });
    if (err instanceof BusyError) return sendJson(res, 429, { error: err.message }, { 'Retry-After': '5' });
    if (action !== 'list') deps.metrics.actions.inc({ action, result: 'error' });
    deps.logger.error({ err, action }, 'dashboard dead-letter request failed');
    sendJson(res, 500, { error: `could not ${action === 'list' ? 'read' : action.slice(4)} the dead letters: ${errorMessage(err)}` });
  }
}
