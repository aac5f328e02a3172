import type { ChildProcess } from 'node:child_process';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { Coordinator } from '../../../src/shared/coordinator/coordinator.js';
import { TEST_RABBITMQ_URL } from '../../helpers/isolation.js';
import type { FleetHarness } from '../../fleet/fleetHarness.js';
import { rangeStates } from '../../fleet/faults.js';

/** Small waits and looks at a scenario's fleet, shared by the scenarios. */

export type FleetProcess = ReturnType<FleetHarness['start']>;

export async function rangesDone(fleet: FleetHarness, jobId: number): Promise<number> {
  return (await rangeStates(fleet.pool, jobId)).done ?? 0;
}

export async function planningComplete(fleet: FleetHarness, jobId: number): Promise<boolean> {
  const { rows } = await fleet.pool.query<{ done: boolean }>('SELECT enumeration_complete AS done FROM backfill_jobs WHERE id = $1', [jobId]);
  return rows[0]?.done ?? false;
}

/** The job in one line: state, planning, ranges by state. */
export async function describeJob(fleet: FleetHarness, jobId: number): Promise<string> {
  const states = await rangeStates(fleet.pool, jobId);
  const byState = Object.entries(states).map(([s, n]) => `${n} ${s}`).join(', ') || 'no ranges';
  return `job ${jobId} ${await fleet.jobState(jobId)}${(await planningComplete(fleet, jobId)) ? '' : ' (planning unfinished)'}: ${byState}`;
}

/** Wait for the job to end, but never throw: a job that does not end is what some scenarios show. */
export async function settle(fleet: FleetHarness, jobId: number, timeoutMs: number): Promise<string> {
  try {
    return await fleet.waitForJobEnd(jobId, timeoutMs);
  } catch {
    return `not ended after ${Math.round(timeoutMs / 1000)} s — ${await describeJob(fleet, jobId)}`;
  }
}

/** Wait until the job has `n` ranges done while its planning is still unfinished (the producer is mid-planning). */
export async function waitMidPlanning(fleet: FleetHarness, jobId: number, n: number): Promise<void> {
  await fleet.waitFor(async () => (await rangesDone(fleet, jobId)) >= n, `${n} ranges of job ${jobId} done`, 120_000);
  if (await planningComplete(fleet, jobId)) throw new Error(`job ${jobId} finished planning before the fault: make planning slower`);
}

export async function stopProcess(child: FleetProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await child.exited;
}

export function freeze(child: ChildProcess): void {
  child.kill('SIGSTOP');
}

export function thaw(child: ChildProcess): void {
  child.kill('SIGCONT');
}

/** Consumers whose heartbeat the coordinator still counts as alive. */
export async function liveConsumers(fleet: FleetHarness): Promise<{ pid: number; currentRanges: string[] }[]> {
  const redis = new Redis(fleet.redisUrl);
  try {
    const consumers = await new Coordinator(redis, fleet.names.redisPrefix).consumers(Number(fleet.env().HEARTBEAT_TTL_SECONDS ?? 3));
    return consumers.filter((c) => c.alive);
  } finally {
    redis.disconnect();
  }
}

/** Run `fn` on a channel of the shared broker (only this fleet's own queues are looked at or purged). */
export async function withChannel<T>(fleet: FleetHarness, fn: (channel: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(fleet.extraEnv.RABBITMQ_URL ?? TEST_RABBITMQ_URL);
  // A refused operation (404 on a queue) rejects its own promise; the channel's 'error' event must not also
  // become an uncaught exception that fails whichever test runs at that moment.
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await fn(channel);
  } finally {
    await connection.close();
  }
}

/** For holding a fault for a while (a stall past a lock's TTL); to wait until something happens use waitFor. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
