import type pg from 'pg';
import type { Coordinator } from '../shared/coordinator/coordinator.js';
import { UsageError } from '../shared/errors.js';
import { getJob, transitionJob, type JobRow } from '../shared/ledger/jobs.js';
import { ACTION_STATES, type JobState } from '../shared/ledger/states.js';

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

async function requireJob(pool: pg.Pool, jobId: number): Promise<JobRow> {
  const job = await getJob(pool, jobId);
  if (!job) throw new UsageError(`no backfill job ${jobId}`);
  return job;
}

async function move(deps: ControlDeps, jobId: number, from: readonly JobState[], to: JobState | ((job: JobRow) => JobState), actor: string,
  reason: string | null, force = false): Promise<ControlResult> {
  // The fleet moves jobs too (enumerating → running → completed): re-read and retry when it won the race.
  for (let attempt = 0; attempt < 3; attempt++) {
    const job = await requireJob(deps.pool, jobId);
    const target = typeof to === 'function' ? to(job) : to;
    if (job.state === target) {
      // A plain cancel waits for the ranges in hand; `--force` on a job already cancelling is the operator's
      // escalation when one of them hangs: record it and tell the consumers, or they would wait for ever.
      if (!(force && target === 'cancelling')) return { jobId, from: job.state, to: target, changed: false };
    } else if (!from.includes(job.state)) {
      throw new UsageError(`job ${jobId} is ${job.state}; it can be ${verbOf(target)} only when ${from.join(', ')}`);
    }
    if (await transitionJob(deps.pool, jobId, [job.state], target, actor, reason)) {
      await deps.coordinator.announceJobState(jobId, target, force);
      return { jobId, from: job.state, to: target, changed: true };
    }
  }
  throw new UsageError(`job ${jobId} keeps changing state; check \`backfill status ${jobId}\` and retry`);
}

function verbOf(state: JobState): string {
  return { paused: 'paused', running: 'resumed', cancelling: 'cancelled' }[state as string] ?? `moved to ${state}`;
}

/** Consumers stop starting ranges of the job; ranges in hand finish; its messages wait, not lost. */
export function pauseJob(deps: ControlDeps, jobId: number, actor: string, reason: string | null = null): Promise<ControlResult> {
  return move(deps, jobId, ACTION_STATES.pause, 'paused', actor, reason);
}

/** Back to work. A job paused before its enumeration finished goes back to `enumerating` via the producer. */
export function resumeJob(deps: ControlDeps, jobId: number, actor: string, reason: string | null = null): Promise<ControlResult> {
  // Running even while ranges are still being planned: planning goes on beside the consumers.
  return move(deps, jobId, ACTION_STATES.resume, 'running', actor, reason);
}

/**
 * No new range of the job starts; messages are dropped as they arrive; what was done is kept. The job is
 * `cancelling` until the ranges in hand are finished (or, with force, rolled back), then `cancelled`.
 */
export function cancelJob(deps: ControlDeps, jobId: number, actor: string, options: { force?: boolean; reason?: string | null } = {}): Promise<ControlResult> {
  return move(deps, jobId, ACTION_STATES.cancel, 'cancelling', actor, options.reason ?? (options.force ? 'cancel --force' : 'cancel'), options.force ?? false);
}
