/**
 * The next range size, adapted toward a target range duration — GitLab's batch optimizer rule: scale by
 * target / observed, but never by more than ×2 or ÷2 in one step, and stay within bounds. Pure.
 */
export interface RangeSizeBounds {
  targetMs: number;
  min: number;
  max: number;
}

export function adaptRangeSize(current: number, recentDurationsMs: number[], bounds: RangeSizeBounds): number {
  if (recentDurationsMs.length < 3) return current;
  const sorted = [...recentDurationsMs].sort((a, b) => a - b);
  // The median: one range stuck behind a lock must not shrink every range after it.
  const observed = sorted[Math.floor(sorted.length / 2)] as number;
  if (observed <= 0) return current;
  const factor = Math.min(2, Math.max(0.5, bounds.targetMs / observed));
  // Within 10 % of the target: leave it, so the size does not jitter.
  if (factor > 0.9 && factor < 1.1) return current;
  return Math.round(Math.min(bounds.max, Math.max(bounds.min, current * factor)));
}
