import { FINAL_JOB_STATES, SUCCEEDED_JOB_STATES, WORKING_JOB_STATES, type JobState } from '../../shared/ledger/states.js';

/**
 * The ETA model, pure: remaining work over a recent, smoothed rate, and what to say instead when there is no
 * rate to plan by (paused, held by the throttle, not measured yet, over).
 *
 * The rate is an exponentially weighted mean of the tracks finished in each second of the job's running time
 * over the last RATE_WINDOW_SECONDS: a second `age` seconds old weighs 2^(-age / RATE_HALF_LIFE_SECONDS).
 * A second's tracks are first spread over the running seconds since the previous second with finishes (the
 * range was worked on all that time), and the open gap after the last finish is not counted until it closes.
 * Why this one: a whole-run average lags a throttle change by the whole run (it was 31–45 % short under a
 * throttle), a plain last-minute mean by a full minute; with a 10 s half-life half of a change in rate shows
 * within 10 s and 15/16 of it within 40 s, and the ~29 s it effectively averages over, with the spreading,
 * keep ranges finishing one by one from showing as steps. Seconds the job was not running (paused, queued)
 * are left out rather than counted as zeros, so a resumed job starts from the rate it had, not from nothing.
 */
export const RATE_HALF_LIFE_SECONDS = 10;
/** How far back the series goes: ten half-lives (older seconds would weigh under 0.1 %), within the buckets' life. */
export const RATE_WINDOW_SECONDS = 100;
/** Running seconds in the window below which the rate is not trusted yet. */
export const MIN_RUNNING_SECONDS = 5;

/** Tracks finished per whole second, as the coordinator's throughput buckets hold them. */
export interface ThroughputSeries {
  /** Epoch second of the last value. */
  endSecond: number;
  /** Tracks finished in each second, oldest first; the last one is endSecond's. */
  tracks: number[];
}

export interface SmoothedRate {
  /** Tracks per second; 0 when nothing finished or the flow has stalled. */
  tracksPerSecond: number;
  /** Running seconds of the window the rate was measured over. */
  runningSeconds: number;
  /** Seconds since the last second in which a track finished (null: none in the window). */
  quietSeconds: number | null;
  /** The flow stopped: nothing finished for longer than the usual gap between finishes allows (see stallSeconds). */
  stalled: boolean;
}

/** A state change of the job, as its history records it. */
export interface StateChange {
  toState: string;
  /** ISO time. */
  at: string;
}

/** Whether the job was running (a working state) in the middle of each epoch second, from its history. */
export function runningAt(history: StateChange[]): (epochSecond: number) => boolean {
  const spans: [number, number][] = [];
  history.forEach((event, i) => {
    if (!(WORKING_JOB_STATES as readonly string[]).includes(event.toState)) return;
    const next = history[i + 1];
    spans.push([Date.parse(event.at), next ? Date.parse(next.at) : Infinity]);
  });
  return (second) => {
    const middle = second * 1000 + 500;
    return spans.some(([from, to]) => middle >= from && middle < to);
  };
}

/**
 * How long a silence must last before it counts as a stall rather than the gap between two ranges: one
 * half-life, or four times the mean gap between seconds with finishes when ranges finish rarely (big ranges
 * under a low throttle). Without it a stopped fleet would show a rate decaying toward 0 and an ETA rising
 * with it; with it, the rate drops to 0 and the ETA says "estimating".
 */
export function stallSeconds(runningSeconds: number, secondsWithFinishes: number): number {
  const meanGap = secondsWithFinishes > 0 ? runningSeconds / secondsWithFinishes : runningSeconds;
  return Math.max(RATE_HALF_LIFE_SECONDS, 4 * meanGap);
}

/** The smoothed rate over the running seconds of the series (see the module's comment). */
export function smoothedRate(series: ThroughputSeries, running: (epochSecond: number) => boolean, halfLife = RATE_HALF_LIFE_SECONDS): SmoothedRate {
  const n = series.tracks.length;
  const seconds: { age: number; tracks: number }[] = [];
  for (let i = 0; i < n; i++) {
    const age = n - 1 - i;
    if (running(series.endSecond - age)) seconds.push({ age, tracks: series.tracks[i] ?? 0 });
  }
  const lastFinish = seconds.findLastIndex((s) => s.tracks > 0);
  const secondsWithFinishes = seconds.filter((s) => s.tracks > 0).length;
  const quietSeconds = lastFinish < 0 ? null : seconds.length - 1 - lastFinish;
  const stalled = quietSeconds === null || quietSeconds > stallSeconds(seconds.length, secondsWithFinishes);
  if (stalled) return { tracksPerSecond: 0, runningSeconds: seconds.length, quietSeconds, stalled };
  // A range's tracks were worked on since the previous finish, not only in the second it committed: spread
  // each second's finishes over the running seconds since the one before, so ranges finishing every few
  // seconds read as the steady rate they are instead of a saw-tooth. The seconds after the last finish are
  // the gap to the next one, still open: not counted until it comes (or the silence becomes a stall).
  let weighted = 0;
  let weights = 0;
  let gapStart = 0;
  for (let i = 0; i <= lastFinish; i++) {
    const finished = seconds[i]?.tracks ?? 0;
    if (finished === 0) continue;
    const perSecond = finished / (i - gapStart + 1);
    for (let j = gapStart; j <= i; j++) {
      const weight = 2 ** (-(seconds[j]?.age ?? 0) / halfLife);
      weighted += weight * perSecond;
      weights += weight;
    }
    gapStart = i + 1;
  }
  return { tracksPerSecond: weighted / weights, runningSeconds: seconds.length, quietSeconds, stalled };
}

export type EtaKind = 'eta' | 'estimating' | 'paused' | 'held' | 'ended';

/** `status.eta`: when the job will be done, or why that cannot be said. */
export interface Eta {
  kind: EtaKind;
  /** Seconds until done (kind eta); 0 for a job that ended with its work done; otherwise null. */
  seconds: number | null;
  /** ISO time the job is expected to finish (kind eta). */
  finishAt: string | null;
  /** ISO time the job's work ended (kind ended, once in a final state). */
  endedAt: string | null;
  /** The job's final state (completed, failed, cancelled, rolled_back, finalized), or the one it is moving through (cancelling, rolling_back). */
  outcome: string | null;
  /** One sentence for people: what the figure rests on, or why there is none. */
  basis: string;
}

export interface EtaInput {
  state: string;
  nowMs: number;
  /** When the job's work ended (finished_at); null while it has not. */
  finishedAt: string | null;
  /** Legacy rows still to go through (estimateRowsRemaining); null when that cannot be told yet. */
  rowsRemaining: number | null;
  /** Tracks the fleet goes through per legacy row (tracks without legacy data are passed over too); 1 when unknown. */
  tracksPerRow: number;
  rate: SmoothedRate;
  /** The throttle's rate: null unlimited, 0 held. */
  throttleRate: number | null;
  throttleReason: string | null;
}

/** Decide what the status says about the job's end (the module's comment says how the rate is made). */
export function estimateJobEta(input: EtaInput): Eta {
  const none = { seconds: null, finishAt: null, endedAt: null, outcome: null };
  const state = input.state as JobState;
  if (FINAL_JOB_STATES.includes(state)) {
    const done = SUCCEEDED_JOB_STATES.includes(state);
    return { ...none, kind: 'ended', seconds: done ? 0 : null, endedAt: input.finishedAt, outcome: state, basis: `the job is ${state.replace('_', ' ')}` };
  }
  if (state === 'cancelling' || state === 'rolling_back') {
    return { ...none, kind: 'ended', outcome: state, basis: `the job is ${state.replace('_', ' ')}: no more ranges are converted` };
  }
  if (state === 'paused') return { ...none, kind: 'paused', basis: 'the job is paused: no ETA until it is resumed' };
  if (input.throttleRate === 0) {
    return { ...none, kind: 'held', basis: `held by the throttle at 0 tracks/s${input.throttleReason ? `: ${input.throttleReason}` : ''}` };
  }
  if (state === 'queued') return { ...none, kind: 'estimating', basis: 'the job is queued: no producer has started planning it yet' };
  if (input.rowsRemaining === null) return { ...none, kind: 'estimating', basis: 'no range planned yet' };
  if (input.rowsRemaining <= 0) {
    return { ...none, kind: 'eta', seconds: 0, finishAt: new Date(input.nowMs).toISOString(), basis: 'every range is finished: the job completes at the producer\'s next round' };
  }
  const { rate } = input;
  if (rate.runningSeconds < MIN_RUNNING_SECONDS) {
    return { ...none, kind: 'estimating', basis: `running for ${rate.runningSeconds} s of the last ${RATE_WINDOW_SECONDS} s: too short to measure a rate` };
  }
  if (!(rate.tracksPerSecond > 0)) {
    return { ...none, kind: 'estimating', basis: rate.quietSeconds === null
      ? `no track finished in the last ${rate.runningSeconds} s of running time`
      : `no track finished for ${rate.quietSeconds} s` };
  }
  const tracksLeft = Math.round(input.rowsRemaining * input.tracksPerRow);
  const seconds = Math.round(tracksLeft / rate.tracksPerSecond);
  return {
    ...none, kind: 'eta', seconds, finishAt: new Date(input.nowMs + seconds * 1000).toISOString(),
    basis: `${tracksLeft} tracks left at ${Math.round(rate.tracksPerSecond)} tracks/s, weighted over the last ${rate.runningSeconds} s of running time (half-life ${RATE_HALF_LIFE_SECONDS} s)`,
  };
}

/** Tracks passed per legacy row so far: the rate counts every track of a range, the remaining work only legacy rows. */
export function tracksPerRow(tracksFinished: number, rowsFinished: number): number {
  if (tracksFinished <= 0 || rowsFinished <= 0) return 1;
  // Bounded: a range that failed counts its rows as finished with no tracks reported.
  return Math.min(2, Math.max(1, tracksFinished / rowsFinished));
}
