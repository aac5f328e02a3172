/**
 * The backfill's state machine: the states of a job and of its ranges, which moves between job states are
 * allowed, and which operator action each job state allows. Everything that names a state — the ledger's SQL,
 * its CHECK constraints, the CLI, the producer, the control plane, the dashboard and its browser script — takes
 * it from here. Pure data and pure functions: no I/O.
 */

export const JOB_STATES = [
  'queued', 'enumerating', 'running', 'paused', 'cancelling', 'cancelled', 'completed', 'failed', 'rolling_back', 'rolled_back', 'finalized',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job does not leave by itself: only an operator moves it on (retry-failed, rollback, finalize). */
const FINAL = ['completed', 'failed', 'cancelled', 'rolled_back', 'finalized'] as const satisfies readonly JobState[];
export type FinalJobState = (typeof FINAL)[number];
export const FINAL_JOB_STATES: readonly JobState[] = FINAL;

/** Final states of a job whose work succeeded: every range done (row errors are reported, not failures). */
export const SUCCEEDED_JOB_STATES: readonly JobState[] = ['completed', 'finalized'];

/** States in which a job's ranges may still be planned: everything else is stopped or finished. */
export const PLANNABLE_JOB_STATES: readonly JobState[] = ['queued', 'enumerating', 'running', 'paused'];

/** States whose time counts as working time (rate and ETA go by it); entering one sets `started_at`. */
export const WORKING_JOB_STATES: readonly JobState[] = ['enumerating', 'running'];

/**
 * States that end a job's work: entering one sets `finished_at`. Every final state but `finalized`, which
 * follows `completed` and keeps the time the work ended.
 */
export const WORK_ENDED_JOB_STATES: readonly JobState[] = FINAL_JOB_STATES.filter((s) => s !== 'finalized');

/** States the producer's housekeeping looks after each round (closing, cancelling, throttling, counters). */
export const KEPT_JOB_STATES: readonly JobState[] = ['enumerating', 'running', 'paused', 'cancelling'];
/** States in which a job is planned from scratch when it has no request: planning has not got far enough to be marked. */
export const UNPLANNED_JOB_STATES: readonly JobState[] = ['queued', 'enumerating'];

/** Consumers hold the job's messages (they wait, not lost). */
export const WAITING_JOB_STATES: readonly JobState[] = ['paused'];
/** Consumers drop the job's messages: nothing of the job is to be converted any more. */
export const STOPPED_JOB_STATES: readonly JobState[] = ['cancelling', 'cancelled', 'rolling_back', 'rolled_back'];

/** Every move a job may make: from → the states it may go to. A new job starts in INITIAL_JOB_STATE. */
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['enumerating', 'paused', 'cancelling', 'failed'],
  enumerating: ['running', 'paused', 'cancelling', 'failed'],
  running: ['paused', 'cancelling', 'completed', 'failed'],
  paused: ['running', 'cancelling', 'failed'],
  // cancelling → cancelling: `cancel --force` escalating a plain cancel is recorded as a move of its own.
  cancelling: ['cancelling', 'cancelled'],
  cancelled: ['rolling_back'],
  completed: ['running', 'rolling_back', 'finalized'],
  failed: ['running', 'rolling_back'],
  rolling_back: ['rolled_back'],
  rolled_back: [],
  finalized: [],
};
/** The state every job is created in. */
export const INITIAL_JOB_STATE: JobState = 'queued';

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}

export function isFinalJobState(state: string): state is FinalJobState {
  return (FINAL_JOB_STATES as readonly string[]).includes(state);
}

export function canTransition(from: JobState, to: JobState): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/** The states a job may reach `to` from. */
export function statesLeadingTo(to: JobState): JobState[] {
  return JOB_STATES.filter((from) => canTransition(from, to));
}

/** What an operator can do to a job, from the CLI or the dashboard. */
export const OPERATOR_ACTIONS = ['pause', 'resume', 'cancel', 'retry', 'rollback', 'finalize', 'throttle'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/**
 * The job states each action is accepted in. `rollback` also accepts `rolling_back` (it is resumable) and
 * `finalize` accepts `finalized` (a second finalize only reports). `throttle` sets a cap where the fleet may
 * still convert ranges of the job (clearing a cap is accepted in any state).
 */
export const ACTION_STATES: Readonly<Record<OperatorAction, readonly JobState[]>> = {
  pause: ['queued', 'enumerating', 'running'],
  resume: ['paused'],
  cancel: ['queued', 'enumerating', 'running', 'paused'],
  retry: ['running', 'failed', 'completed'],
  rollback: ['completed', 'failed', 'cancelled', 'rolling_back'],
  finalize: ['completed', 'finalized'],
  throttle: ['queued', 'enumerating', 'running', 'paused', 'cancelling'],
};

/** Where each action takes a job; undefined when it does not change the job's state itself. */
export const ACTION_TARGET: Readonly<Partial<Record<OperatorAction, JobState>>> = {
  pause: 'paused', resume: 'running', cancel: 'cancelling', retry: 'running', rollback: 'rolling_back', finalize: 'finalized',
};

export function actionAllowed(action: OperatorAction, state: JobState): boolean {
  return ACTION_STATES[action].includes(state);
}

export function actionsAllowed(state: JobState): OperatorAction[] {
  return OPERATOR_ACTIONS.filter((action) => actionAllowed(action, state));
}

export const RANGE_STATES = ['pending', 'published', 'done', 'failed', 'rolled_back'] as const;
export type RangeState = (typeof RANGE_STATES)[number];
/** Ranges not finished yet: planned (pending) or handed to the broker (published). */
export const OPEN_RANGE_STATES: readonly RangeState[] = ['pending', 'published'];
/** Ranges whose rows were all tried: their planned rows count as finished for progress. */
const FINISHED = ['done', 'failed'] as const satisfies readonly RangeState[];
export type FinishedRangeState = (typeof FINISHED)[number];
export const FINISHED_RANGE_STATES: readonly RangeState[] = FINISHED;

/** The lists the dashboard's browser script needs, as one JSON literal to put into its source. */
export function statesForBrowser(): string {
  return JSON.stringify({ final: FINAL_JOB_STATES, succeeded: SUCCEEDED_JOB_STATES, can: ACTION_STATES });
}

/**
 * A state as an SQL literal, for SQL text built from this module's constants (never from input): the type
 * makes a misspelt state a compile error, the pattern check keeps anything but a state name out of SQL.
 */
export function sqlState(state: JobState | RangeState): string {
  if (!/^[a-z_]+$/.test(state)) throw new TypeError(`not a state name: ${JSON.stringify(state)}`);
  return `'${state}'`;
}

/** States as an SQL list for `IN (…)` or a CHECK constraint. */
export function sqlStateList(states: readonly (JobState | RangeState)[]): string {
  return states.map(sqlState).join(', ');
}
