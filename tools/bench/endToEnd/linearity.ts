import { round } from './series.js';

/**
 * Does the upgrade scale linearly? Given two runs (say 1M and 10M tracks), each phase's time ratio against
 * the tracks ratio. Pure: it reads only what it is given.
 */

/** What a comparison needs of a run's report. */
export interface RunFigures {
  tracks: number;
  phases: { phase: string; seconds: number; walBytes: number }[];
}

export type Scaling = 'linear' | 'worse than linear' | 'better than linear';

export interface PhaseScaling {
  phase: string;
  secondsA: number;
  secondsB: number;
  timeRatio: number;
  /** timeRatio ÷ tracksRatio: 1 is linear, 1.3 means 30 % more time per track at the larger size. */
  perTrackRatio: number;
  walRatio: number | null;
  verdict: Scaling;
}

export interface Linearity {
  tracksA: number;
  tracksB: number;
  tracksRatio: number;
  phases: PhaseScaling[];
}

/**
 * Within ±15 % per track counts as linear: figures on the shared 2-CPU machines drift 15–40 % between runs
 * (docs/benchmarks.md), so a finer verdict would judge the machine, not the code.
 */
export const LINEAR_TOLERANCE = 0.15;

/** Phases in the order of run A; a phase only one run has (build-indexes) is left out. */
export function compareRuns(a: RunFigures, b: RunFigures, tolerance = LINEAR_TOLERANCE): Linearity {
  const tracksRatio = b.tracks / a.tracks;
  const phases = a.phases.flatMap((pa): PhaseScaling[] => {
    const pb = b.phases.find((p) => p.phase === pa.phase);
    if (!pb || pa.seconds <= 0) return [];
    const timeRatio = pb.seconds / pa.seconds;
    const perTrackRatio = timeRatio / tracksRatio;
    return [{
      phase: pa.phase, secondsA: pa.seconds, secondsB: pb.seconds,
      timeRatio: round(timeRatio, 2), perTrackRatio: round(perTrackRatio, 2),
      walRatio: pa.walBytes > 0 ? round(pb.walBytes / pa.walBytes, 2) : null,
      verdict: perTrackRatio > 1 + tolerance ? 'worse than linear' : perTrackRatio < 1 - tolerance ? 'better than linear' : 'linear',
    }];
  });
  return { tracksA: a.tracks, tracksB: b.tracks, tracksRatio: round(tracksRatio, 2), phases };
}
