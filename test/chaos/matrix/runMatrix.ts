import { runCli } from '../../helpers/cli.js';
import { OwnRedis } from '../../helpers/ownRedis.js';
import { TcpProxy } from '../../helpers/tcpProxy.js';
import { FleetHarness } from '../../fleet/fleetHarness.js';
import { seededRandom } from '../random.js';
import { captureEndState, compareEndStates } from './endState.js';
import { checkDeadLetters } from './deadLetters.js';
import { checkJob } from './ledgerChecks.js';
import { referenceFor } from './reference.js';
import { seedScenarioData } from './seedData.js';
import { SCENARIOS } from './scenarios/index.js';
import type { FleetProcess } from './fleetOps.js';
import type { CheckResult, Scenario, ScenarioContext, ScenarioResult, ScenarioRun } from './types.js';

export interface MatrixOptions {
  seed: number;
  outageMs: number;
  /** How long a job may take to end once its fault is over. */
  settleMs: number;
  /** Scenario names to run (all when absent). */
  only?: string[];
  log: (line: string) => void;
}

/** Run the chosen scenarios one after another; each gets its own data, database, namespace and fleet. */
export async function runMatrix(options: MatrixOptions): Promise<ScenarioResult[]> {
  const chosen = selectScenarios(options.only);
  const results: ScenarioResult[] = [];
  for (const scenario of chosen) {
    const result = await runScenario(scenario, options);
    options.log(formatResult(result));
    results.push(result);
  }
  return results;
}

export function selectScenarios(only: string[] | undefined): Scenario[] {
  if (!only) return SCENARIOS;
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return SCENARIOS.filter((s) => only.includes(s.name));
}

async function runScenario(scenario: Scenario, options: MatrixOptions): Promise<ScenarioResult> {
  const t0 = Date.now();
  const happened: string[] = [];
  const say = (line: string) => options.log(`[${scenario.name} ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const fleet = new FleetHarness();
  fleet.extraEnv = { ...(scenario.env ?? {}) };
  const redis = new OwnRedis();
  const proxies: TcpProxy[] = [];
  const checks: CheckResult[] = [];
  const started: FleetProcess[] = [];
  try {
    if (scenario.needsRedis) {
      await redis.start();
      fleet.redisUrl = redis.url;
    }
    await fleet.setUp(0);
    await seedScenarioData(fleet.pool, scenario.tracks, options.seed);
    await scenario.prepare?.({ fleet });
    const ctx = scenarioContext(scenario, options, { fleet, redis, proxies, started }, (line) => {
      happened.push(line);
      say(line);
    });
    let run: ScenarioRun;
    try {
      run = await scenario.run(ctx);
    } catch (err) {
      const output = fleetOutput(started);
      checks.push({ name: 'scenario ran', ok: false, detail: `${err instanceof Error ? err.message : String(err)}${output ? `\n${output}` : ''}` });
      return { name: scenario.name, item: scenario.item, fault: scenario.fault, happened, checks, ok: false, seconds: (Date.now() - t0) / 1000 };
    }
    for (const job of run.jobs) {
      checks.push(...await checkJob(fleet.pool, job, () => runCli(['backfill', 'status', String(job.id), '--json'], { env: fleet.env() })));
    }
    checks.push(await checkDeadLetters(fleet.pool, fleet));
    const actual = await captureEndState(fleet.pool, run.compared);
    say(`end state captured; reference: ${run.reference.length ? run.reference.map((j) => JSON.stringify(j)).join(' then ') : 'the untouched library'}`);
    const reference = await referenceFor(scenario, options.seed, run.reference, say);
    checks.push(...compareEndStates(actual, reference));
  } catch (err) {
    checks.push({ name: 'scenario set-up or checks', ok: false, detail: err instanceof Error ? err.message : String(err) });
  } finally {
    for (const proxy of proxies) await proxy.stop().catch(() => undefined);
    await fleet.tearDown().catch(() => undefined);
    if (scenario.needsRedis) await redis.stop().catch(() => undefined);
  }
  return { name: scenario.name, item: scenario.item, fault: scenario.fault, happened, checks,
    ok: checks.length > 0 && checks.every((c) => c.ok), seconds: (Date.now() - t0) / 1000 };
}

interface Owned {
  fleet: FleetHarness;
  redis: OwnRedis;
  proxies: TcpProxy[];
  started: FleetProcess[];
}

function scenarioContext(scenario: Scenario, options: MatrixOptions, { fleet, redis, proxies, started }: Owned,
  note: (line: string) => void): ScenarioContext {
  return {
    fleet, redis, note,
    start(args, env = {}) {
      const child = fleet.start(args, env);
      started.push(child);
      return child;
    },
    seed: options.seed,
    random: seededRandom(options.seed ^ hash(scenario.name)),
    outageMs: options.outageMs,
    settleMs: options.settleMs,
    cli: (args, env = {}) => runCli(args, { env: fleet.env(env) }),
    async enqueue(args) {
      const enqueued = await runCli(['backfill', 'enqueue', '--json', ...args], { env: fleet.env() });
      if (enqueued.code !== 0) throw new Error(`enqueue ${args.join(' ')} exited ${enqueued.code}: ${enqueued.stderr.trim()}`);
      return (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    },
    async proxy(host, port) {
      const proxy = new TcpProxy(host, port);
      await proxy.start();
      proxies.push(proxy);
      return proxy;
    },
  };
}

/** The last lines of the fleet's processes, for a scenario that broke down. */
function fleetOutput(started: FleetProcess[]): string {
  const outputs = started.map((p) => p.output().trim().split('\n').slice(-3).join('\n')).filter(Boolean);
  return outputs.join('\n---\n').slice(-3000);
}

function hash(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** One scenario's result: the line the matrix prints, then one indented line per failed check. */
export function formatResult(r: ScenarioResult): string {
  const equal = r.checks.filter((c) => c.name.endsWith('= reference'));
  const sameAsReference = equal.length === 3 && equal.every((c) => c.ok) ? 'yes' : equal.length === 0 ? 'not compared' : 'NO';
  const head = `${r.ok ? 'PASS' : 'FAIL'}  ${r.name} (item ${r.item}, ${r.seconds.toFixed(0)} s) — fault: ${r.fault} — happened: ` +
    `${r.happened.join('; ') || '-'} — end state = reference? ${sameAsReference}`;
  const failed = r.checks.filter((c) => !c.ok).map((c) => `        ✗ ${c.name}: ${c.detail}`);
  return [head, ...failed].join('\n');
}
