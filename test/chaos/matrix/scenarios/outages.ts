import { slowRanges } from '../../../fleet/faults.js';
import { describeJob, rangesDone, settle, waitMidPlanning } from '../fleetOps.js';
import type { Scenario, ScenarioContext } from '../types.js';
import { brokerProxy, completedJob, databaseProxy, faultMoment, LIBRARY_TRACKS, outage, pacedPlanning } from './common.js';

type Service = 'PostgreSQL' | 'RabbitMQ';
type Role = 'producer' | 'consumer';

/**
 * An outage of one service for one process (a TCP proxy of the test's own in front of the shared service,
 * cut for the outage): the producer while it is mid-planning, or a consumer while ranges are being converted.
 * The job must still end completed, equal to the reference.
 */
function outageScenario(service: Service, role: Role): Scenario {
  return {
    name: `${service === 'PostgreSQL' ? 'pg' : 'rabbit'}-outage-${role}`,
    item: '4',
    fault: `${service} down for the ${role} (proxy cut) ${role === 'producer' ? 'during paced planning' : 'mid-run'}`,
    tracks: LIBRARY_TRACKS,
    env: pacedPlanning(25),
    run: (ctx) => runOutage(ctx, service, role),
  };
}

async function runOutage(ctx: ScenarioContext, service: Service, role: Role) {
  await slowRanges(ctx.fleet.pool, 0.05);
  const { proxy, env } = service === 'PostgreSQL' ? await databaseProxy(ctx) : await brokerProxy(ctx);
  ctx.start(['producer'], role === 'producer' ? env : {});
  ctx.start(['consumer'], role === 'consumer' ? env : {});
  // One consumer only: the fleet itself must ride the outage out, not a second consumer that was never cut off.
  const jobId = await ctx.enqueue(['--range-size', '25']);
  const moment = faultMoment(ctx);
  if (role === 'producer') await waitMidPlanning(ctx.fleet, jobId, moment);
  else await ctx.fleet.waitFor(async () => (await rangesDone(ctx.fleet, jobId)) >= moment, `${moment} ranges done`, 120_000);
  ctx.note(`at the cut: ${await describeJob(ctx.fleet, jobId)}`);
  await outage(ctx, proxy, ctx.outageMs, `${service} (for the ${role})`);
  ctx.note(`restored: ${await describeJob(ctx.fleet, jobId)}`);
  ctx.note(`then: ${await settle(ctx.fleet, jobId, ctx.settleMs)}`);
  return { reference: [{}], compared: [jobId], jobs: [completedJob(jobId)] };
}

export const pgOutageProducer = outageScenario('PostgreSQL', 'producer');
export const pgOutageConsumer = outageScenario('PostgreSQL', 'consumer');
export const rabbitOutageProducer = outageScenario('RabbitMQ', 'producer');
export const rabbitOutageConsumer = outageScenario('RabbitMQ', 'consumer');
