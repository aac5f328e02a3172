/** Seconds until the remaining rows are done at the current rate; null when there is no rate to go by. */
export function estimateEta(rowsRemaining: number, ratePerSecond: number): number | null {
  if (rowsRemaining <= 0) return 0;
  if (!(ratePerSecond > 0)) return null;
  return Math.ceil(rowsRemaining / ratePerSecond);
}

/** 3725 → "1h 2m 5s"; null → "unknown". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return [h ? `${h}h` : '', m ? `${m}m` : '', `${s}s`].filter(Boolean).join(' ');
}
