import type pg from 'pg';
import type { Coordinator } from '../coordinator/coordinator.js';
import { UsageError } from '../errors.js';
import { getJob, transitionJob, type JobRow, type JobState } from '../ledger/jobs.js';

/**
 * Steering a job: pause, resume, cancel. The ledger is the truth (a compare-and-set transition with its
 * event); the coordinator then broadcasts the new state so every consumer reacts within a second.
 */

export interface ControlDeps {
  pool: pg.Pool;
  coordinator: Coordinator;
}

export interface ControlResult {
  jobId: number;
  from: JobState;
  to: JobState;
  changed: boolean;
}

const PAUSABLE: JobState[] = ['queued', 'enumerating', 'running'];
const CANCELLABLE: JobState[] = ['queued', 'enumerating', 'running', 'paused'];

async function requireJob(pool: pg.Pool, jobId: number): Promise<JobRow> {
  const job = await getJob(pool, jobId);
  if (!job) throw new UsageError(`no backfill job ${jobId}`);
  return job;
}

async function move(deps: ControlDeps, jobId: number, from: JobState[], to: JobState, actor: string, reason: string | null, force = false): Promise<ControlResult> {
  const job = await requireJob(deps.pool, jobId);
  if (job.state === to) return { jobId, from: job.state, to, changed: false };
  if (!from.includes(job.state)) {
    throw new UsageError(`job ${jobId} is ${job.state}; it can be ${verbOf(to)} only when ${from.join(', ')}`);
  }
  const changed = await transitionJob(deps.pool, jobId, [job.state], to, actor, reason);
  if (!changed) throw new UsageError(`job ${jobId} changed state while this command ran; check \`backfill status ${jobId}\` and retry`);
  await deps.coordinator.announceJobState(jobId, to, force);
  return { jobId, from: job.state, to, changed };
}

function verbOf(state: JobState): string {
  return { paused: 'paused', running: 'resumed', cancelling: 'cancelled' }[state as string] ?? `moved to ${state}`;
}

/** Consumers stop starting ranges of the job; ranges in hand finish; its messages wait, not lost. */
export function pauseJob(deps: ControlDeps, jobId: number, actor: string, reason: string | null = null): Promise<ControlResult> {
  return move(deps, jobId, PAUSABLE, 'paused', actor, reason);
}

/** Back to work. A job paused before its enumeration finished goes back to `enumerating` via the producer. */
export async function resumeJob(deps: ControlDeps, jobId: number, actor: string, reason: string | null = null): Promise<ControlResult> {
  const job = await requireJob(deps.pool, jobId);
  const target: JobState = job.enumerationComplete ? 'running' : 'enumerating';
  return move(deps, jobId, ['paused'], target, actor, reason);
}

/**
 * No new range of the job starts; messages are dropped as they arrive; what was done is kept. The job is
 * `cancelling` until the ranges in hand are finished (or, with force, rolled back), then `cancelled`.
 */
export function cancelJob(deps: ControlDeps, jobId: number, actor: string, options: { force?: boolean; reason?: string | null } = {}): Promise<ControlResult> {
  return move(deps, jobId, CANCELLABLE, 'cancelling', actor, options.reason ?? (options.force ? 'cancel --force' : 'cancel'), options.force ?? false);
}
