import { runCli } from '../../helpers/cli.js';
import { FleetHarness } from '../../fleet/fleetHarness.js';
import { captureEndState, type EndState } from './endState.js';
import { seedScenarioData } from './seedData.js';
import type { JobSpec, Scenario } from './types.js';

/**
 * The reference of a scenario: the same data (tracks, seed, the scenario's `prepare`) and the same sequence of
 * jobs, run uninterrupted by a real fleet (one producer, two consumers, shared services) on a fresh database —
 * each job waited for before the next is enqueued. Memoised: scenarios on the same data and jobs share one run.
 */
const cache = new Map<string, Promise<EndState>>();

export function referenceFor(scenario: Scenario, seed: number, jobs: JobSpec[], log: (line: string) => void): Promise<EndState> {
  const key = JSON.stringify({ tracks: scenario.tracks, seed, jobs, prepared: scenario.prepare ? scenario.name : null, env: scenario.referenceEnv ?? {} });
  let run = cache.get(key);
  if (!run) {
    run = runReference(scenario, seed, jobs, log);
    cache.set(key, run);
    run.catch(() => cache.delete(key));
  }
  return run;
}

export function enqueueArgs(spec: JobSpec): string[] {
  return [
    '--range-size', String(spec.rangeSize ?? 500),
    ...(spec.analysisVersion ? ['--analysis-version', spec.analysisVersion] : []),
    ...(spec.fromId !== undefined ? ['--from-id', String(spec.fromId)] : []),
    ...(spec.toId !== undefined ? ['--to-id', String(spec.toId)] : []),
  ];
}

async function runReference(scenario: Scenario, seed: number, jobs: JobSpec[], log: (line: string) => void): Promise<EndState> {
  const fleet = new FleetHarness();
  fleet.extraEnv = { ...(scenario.referenceEnv ?? {}) };
  try {
    await fleet.setUp(0);
    await seedScenarioData(fleet.pool, scenario.tracks, seed);
    await scenario.prepare?.({ fleet });
    const ids: number[] = [];
    if (jobs.length > 0) {
      fleet.start(['producer']);
      fleet.start(['consumer']);
      fleet.start(['consumer']);
    }
    for (const spec of jobs) {
      const enqueued = await runCli(['backfill', 'enqueue', '--json', ...enqueueArgs(spec)], { env: fleet.env() });
      if (enqueued.code !== 0) throw new Error(`reference: enqueue failed: ${enqueued.stderr}`);
      const id = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
      const state = await fleet.waitForJobEnd(id, 300_000);
      log(`reference (${scenario.tracks} tracks, seed ${seed}): job ${id} ${JSON.stringify(spec)} ${state}`);
      ids.push(id);
    }
    return await captureEndState(fleet.pool, ids);
  } finally {
    await fleet.tearDown().catch(() => undefined);
  }
}
