import type { IncomingMessage, ServerResponse } from 'node:http';
import { UsageError, errorMessage } from '../shared/errors.js';
import { pathOf, sendJson } from '../shared/http/server.js';
import type { Logger } from '../shared/logger.js';
import type { DashboardMetrics } from '../shared/metrics/registry.js';
import { cancelJob, pauseJob, resumeJob, type ControlDeps, type ControlResult } from '../operations/jobControl.js';
import { authorizedActionBody } from './auth.js';
import { repairSummary, runRepair, type RepairDeps } from './repairActions.js';

const ACTION_PATH = /^\/api\/jobs\/([1-9]\d{0,14})\/(pause|resume|cancel|retry-failed|resume-lost)$/;

type Action = 'pause' | 'resume' | 'cancel' | 'retry-failed' | 'resume-lost';

export interface ActionDeps {
  control: ControlDeps;
  repair: RepairDeps;
  token: string | undefined;
  metrics: DashboardMetrics;
  logger: Logger;
  /** Called after a job changed, so open pages see it without waiting for the next round. */
  changed: () => void;
}

/**
 * POST /api/jobs/:id/(pause|resume|cancel|retry-failed|resume-lost) with `Authorization: Bearer <DASHBOARD_TOKEN>` and an optional
 * JSON body {reason?, force?}. 403 when no token is configured (read-only dashboard), 401 without the right
 * token, 409 when the job cannot make that move, 404 for a job that does not exist. Pause / resume / cancel
 * answer the transition {jobId, from, to, changed}; retry-failed and resume-lost the report of the CLI command
 * of that name plus a `summary` line.
 */
export async function handleAction(req: IncomingMessage, res: ServerResponse, deps: ActionDeps): Promise<boolean> {
  const match = ACTION_PATH.exec(pathOf(req));
  if (!match) return false;
  const action = match[2] as Action;
  const body = await authorizedActionBody(req, res, deps.token, (result) => deps.metrics.actions.inc({ action, result }),
    '{"reason": "…", "force": true}');
  if (!body) return true;
  const jobId = Number(match[1]);
  const reason = typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim().slice(0, 200) : null;
  const actor = `dashboard ${req.socket.remoteAddress ?? 'unknown'}`;
  try {
    const result = action === 'retry-failed' || action === 'resume-lost'
      ? await repair(deps.repair, action, jobId, actor)
      : await act(deps.control, action, jobId, actor, reason, body.force === true);
    deps.metrics.actions.inc({ action, result: 'ok' });
    deps.logger.info({ jobId, action, actor, result }, 'dashboard action');
    sendJson(res, 200, result);
    deps.changed();
  } catch (err) {
    const refused = err instanceof UsageError;
    deps.metrics.actions.inc({ action, result: refused ? 'refused' : 'error' });
    if (!refused) deps.logger.error({ err, jobId, action }, 'dashboard action failed');
    const status = !refused ? 500 : /^no backfill job/.test(err.message) ? 404 : 409;
    sendJson(res, status, { error: refused ? err.message : `could not ${action} job ${jobId}: ${errorMessage(err)}` });
  }
  return true;
}

async function repair(deps: RepairDeps, action: 'retry-failed' | 'resume-lost', jobId: number, actor: string): Promise<object> {
  const report = await runRepair(deps, action, jobId, actor);
  return { ...report, summary: repairSummary(report) };
}

function act(deps: ControlDeps, action: 'pause' | 'resume' | 'cancel', jobId: number, actor: string, reason: string | null, force: boolean): Promise<ControlResult> {
  switch (action) {
    case 'pause':
      return pauseJob(deps, jobId, actor, reason);
    case 'resume':
      return resumeJob(deps, jobId, actor, reason);
    case 'cancel':
      return cancelJob(deps, jobId, actor, { force, reason });
  }
}
