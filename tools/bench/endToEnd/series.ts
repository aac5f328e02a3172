/**
 * The backfill's rate over time, from readings of the ledger's converted count: pure, so the judgement
 * of "is it flat?" can be tested with made-up numbers.
 */

/** One reading: seconds since the job was enqueued (ledger clock) and tracks converted by then. */
export interface ProgressSample {
  seconds: number;
  converted: number;
}

/** Tracks converted per second between two consecutive readings. */
export interface RateInterval {
  from: number;
  to: number;
  tracksPerSecond: number;
}

export interface RateSummary {
  /** Share of the job the summary covers, centred: start-up and the last ranges' tail are left out. */
  middleShare: number;
  intervals: number;
  min: number;
  median: number;
  max: number;
  /** (max − min) ÷ median, in %: how far single intervals stray (ranges finish in bursts). */
  spreadPercent: number;
  /** Median of the second half of the window ÷ median of the first half − 1, in %: a slowdown is negative. */
  trendPercent: number | null;
}

/** The middle 80 % of the job: what the rate is once the fleet is busy and before the last ranges trickle in. */
export const MIDDLE_SHARE = 0.8;

export function rateSeries(samples: readonly ProgressSample[]): RateInterval[] {
  const series: RateInterval[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as ProgressSample;
    const b = samples[i] as ProgressSample;
    if (b.seconds <= a.seconds) continue;
    series.push({ from: round(a.seconds, 2), to: round(b.seconds, 2), tracksPerSecond: Math.round((b.converted - a.converted) / (b.seconds - a.seconds)) });
  }
  return series;
}

/**
 * The intervals whose midpoint lies in the middle `share` of the job (0 … totalSeconds), summarised;
 * null when none does (a job shorter than two readings).
 */
export function summarizeRates(series: readonly RateInterval[], totalSeconds: number, share = MIDDLE_SHARE): RateSummary | null {
  const lo = totalSeconds * (1 - share) / 2;
  const hi = totalSeconds - lo;
  const middle = series.filter((s) => {
    const mid = (s.from + s.to) / 2;
    return mid >= lo && mid <= hi;
  });
  if (!middle.length) return null;
  const rates = middle.map((s) => s.tracksPerSecond);
  const half = Math.floor(middle.length / 2);
  const first = median(rates.slice(0, half));
  const second = median(rates.slice(middle.length - half));
  const mid = median(rates);
  return {
    middleShare: share,
    intervals: middle.length,
    min: Math.min(...rates),
    median: Math.round(mid),
    max: Math.max(...rates),
    spreadPercent: mid > 0 ? Math.round(((Math.max(...rates) - Math.min(...rates)) / mid) * 100) : 0,
    trendPercent: half > 0 && first > 0 ? Math.round((second / first - 1) * 100) : null,
  };
}

/** A memory series in a few numbers: a plateau has end ≈ middle; a leak grows from middle to end. */
export interface RssSummary {
  startMb: number;
  middleMb: number;
  endMb: number;
  maxMb: number;
}

export function summarizeRss(seriesMb: readonly number[]): RssSummary | null {
  if (!seriesMb.length) return null;
  const at = (i: number) => seriesMb[Math.min(seriesMb.length - 1, Math.max(0, i))] as number;
  return { startMb: at(0), middleMb: at(Math.floor((seriesMb.length - 1) / 2)), endMb: at(seriesMb.length - 1), maxMb: Math.max(...seriesMb) };
}

export function median(values: readonly number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[m] as number) : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
