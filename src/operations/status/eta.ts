/**
 * What the ledger knows of a job's planning: the producer plans ranges only a window ahead of the consumers
 * (BACKFILL_PLANNING_WINDOW), so until enumeration is complete the planned ranges are a small part of a big
 * job, and "remaining" and "progress" counted over them alone would say a 100-million-track job is nearly done.
 */
export interface PlanningProgress {
  enumerationComplete: boolean;
  /** The job's id bounds (null: the table had no rows with legacy data). */
  minId: number | null;
  maxId: number | null;
  /** Highest end id of the ranges planned so far; null before the first range. */
  plannedThroughId: number | null;
  /** Rows with legacy data in every planned range. */
  plannedRows: number;
  /** Rows with legacy data in the planned ranges that are done or failed. */
  finishedRows: number;
}

/**
 * Rows with legacy data the job has still to go through: those of its open ranges, plus, while planning is
 * paced, the ids not yet planned at the density of legacy rows seen in the planned part. null when that
 * cannot be told yet (nothing planned and enumeration not complete).
 */
export function estimateRowsRemaining(p: PlanningProgress): number | null {
  const open = Math.max(0, p.plannedRows - p.finishedRows);
  if (p.enumerationComplete) return open;
  const unplanned = estimateUnplannedRows(p);
  return unplanned === null ? null : open + unplanned;
}

/**
 * Share of the job's legacy rows in finished ranges, 0..1: the same measure before and after enumeration
 * completes, so a dashboard's progress never jumps back when planning catches up.
 */
export function estimateProgress(p: PlanningProgress): number {
  if (p.enumerationComplete) return p.plannedRows > 0 ? Math.min(1, p.finishedRows / p.plannedRows) : 1;
  const unplanned = estimateUnplannedRows(p);
  if (unplanned === null) return 0;
  const all = p.plannedRows + unplanned;
  return all > 0 ? Math.min(1, p.finishedRows / all) : 0;
}

/** Legacy rows among the ids not planned yet, at the density of the planned part. */
function estimateUnplannedRows(p: PlanningProgress): number | null {
  if (p.minId === null || p.maxId === null) return 0;
  if (p.plannedThroughId === null) return null;
  if (p.plannedThroughId >= p.maxId) return 0;
  const plannedIds = p.plannedThroughId - p.minId + 1;
  if (plannedIds <= 0) return null;
  return Math.round((p.plannedRows / plannedIds) * (p.maxId - p.plannedThroughId));
}

/** 3725 → "1h 2m 5s"; null → "unknown". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return [h ? `${h}h` : '', m ? `${m}m` : '', `${s}s`].filter(Boolean).join(' ');
}
