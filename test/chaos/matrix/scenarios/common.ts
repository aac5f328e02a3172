import { TEST_RABBITMQ_URL } from '../../../helpers/isolation.js';
import type { TcpProxy } from '../../../helpers/tcpProxy.js';
import type { ScenarioContext, ScenarioJob } from '../types.js';

/** The library most scenarios run on: small enough for the short matrix, big enough for tens of ranges. */
export const LIBRARY_TRACKS = 4000;

/** Keep every range at `n` rows (the adaptive sizing would grow them on a fast machine and end planning early). */
export function pinnedRangeSize(n: number): Record<string, string> {
  return { BACKFILL_RANGE_SIZE: String(n), BACKFILL_MIN_RANGE_SIZE: String(n), BACKFILL_MAX_RANGE_SIZE: String(n) };
}

/** Paced planning: a small planning window keeps the producer planning while consumers work. */
export function pacedPlanning(rangeSize: number): Record<string, string> {
  return { ...pinnedRangeSize(rangeSize), BACKFILL_PLANNING_WINDOW: '3' };
}

/**
 * When a fault lands: after 3 to 6 ranges are done, drawn from the seed — early enough that the first planning
 * chunk (50 ranges) is still being worked through, so the producer is mid-planning.
 */
export function faultMoment(ctx: ScenarioContext): number {
  return 3 + Math.floor(ctx.random() * 4);
}

export function completedJob(id: number): ScenarioJob {
  return { id, expect: ['completed'], ledgerChecks: true };
}

/** A proxy in front of this fleet's PostgreSQL, and the DATABASE_URL that goes through it. */
export async function databaseProxy(ctx: ScenarioContext): Promise<{ proxy: TcpProxy; env: Record<string, string> }> {
  const url = new URL(ctx.fleet.db.url);
  const proxy = await ctx.proxy(url.hostname, Number(url.port || 5432));
  return { proxy, env: { DATABASE_URL: proxy.urlFor(ctx.fleet.db.url) } };
}

/** A proxy in front of the shared RabbitMQ, and the RABBITMQ_URL that goes through it. */
export async function brokerProxy(ctx: ScenarioContext): Promise<{ proxy: TcpProxy; env: Record<string, string> }> {
  const url = new URL(TEST_RABBITMQ_URL);
  const proxy = await ctx.proxy(url.hostname, Number(url.port || 5672));
  return { proxy, env: { RABBITMQ_URL: proxy.urlFor(TEST_RABBITMQ_URL) } };
}

/** Cut the proxy for `ms` (the service is down for the processes behind it), then restore it. */
export async function outage(ctx: ScenarioContext, proxy: TcpProxy, ms: number, what: string): Promise<void> {
  proxy.cut();
  ctx.note(`${what} down for ${Math.round(ms / 1000)} s`);
  await new Promise((resolve) => setTimeout(resolve, ms));
  proxy.restore();
}

