import type { CliResult } from '../../helpers/cli.js';
import type { OwnRedis } from '../../helpers/ownRedis.js';
import type { TcpProxy } from '../../helpers/tcpProxy.js';
import type { FleetHarness } from '../../fleet/fleetHarness.js';
import type { FleetProcess } from './fleetOps.js';

/**
 * Words of the fault matrix:
 * - scenario: one fault (or operator sequence) of real operation, on its own seeded data and fleet;
 * - job spec: what an uninterrupted reference run enqueues (only what changes the end state: the analysis
 *   version and the id bounds — range sizes and pacing do not, unless a whole range fails);
 * - reference: the end state of an uninterrupted run of the same data and job specs, on a fresh database.
 */

/** A job as the reference run enqueues it. */
export interface JobSpec {
  analysisVersion?: string;
  /** Only where range boundaries show in the end state (a range that fails as a whole); pin the size too. */
  rangeSize?: number;
  fromId?: number;
  toId?: number;
}

/** Final job states a scenario accepts for one of its jobs. */
export type ExpectedState = 'completed' | 'failed' | 'cancelled' | 'rolled_back';

export interface ScenarioJob {
  id: number;
  expect: ExpectedState[];
  /** Ledger checks (no open range, coverage, status = ledger) apply to jobs that ran to their end. */
  ledgerChecks: boolean;
}

/** What a scenario did and what its end state must equal. */
export interface ScenarioRun {
  /** The reference sequence; `compared` lists this run's jobs in the same order (their row errors are compared). */
  reference: JobSpec[];
  compared: number[];
  /** Every job whose final state is checked (compared ones and others, e.g. a job rolled back). */
  jobs: ScenarioJob[];
}

export interface ScenarioContext {
  readonly fleet: FleetHarness;
  readonly seed: number;
  /** Seeded randomness for moments and choices, so a run can be replayed. */
  readonly random: () => number;
  /** Length of an outage (45 s in the full matrix). */
  readonly outageMs: number;
  /** How long a job may take to end once its fault is over (a healthy run of these small jobs takes seconds). */
  readonly settleMs: number;
  /** The private Redis, when the scenario asked for one. */
  readonly redis: OwnRedis;
  /** Record what happened (printed on the scenario's line and in the log). */
  note(line: string): void;
  /** Start `producer` or `consumer` (its output is shown when the scenario breaks down). */
  start(args: string[], env?: Record<string, string>): FleetProcess;
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** `backfill enqueue … --json`; returns the job id. */
  enqueue(args: string[]): Promise<number>;
  /** A TCP proxy in front of a shared service for one process; stopped after the scenario. */
  proxy(host: string, port: number): Promise<TcpProxy>;
}

export interface Scenario {
  name: string;
  /** The number(s) of the failure mode it reproduces in the fault matrix's list (docs/development.md), for the report. */
  item: string;
  fault: string;
  tracks: number;
  /** Environment of the scenario's fleet (producers, consumers, CLI). */
  env?: Record<string, string>;
  /** Environment of the reference run when it must match (e.g. the attempts a poisoned range gets). */
  referenceEnv?: Record<string, string>;
  /** Runs on the seeded database of the scenario AND of its reference (a poisoned row, say). */
  prepare?: (ctx: { fleet: FleetHarness }) => Promise<void>;
  needsRedis?: boolean;
  run(ctx: ScenarioContext): Promise<ScenarioRun>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ScenarioResult {
  name: string;
  item: string;
  fault: string;
  happened: string[];
  checks: CheckResult[];
  ok: boolean;
  seconds: number;
}
