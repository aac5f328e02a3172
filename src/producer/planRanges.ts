import type { PlannedRange } from '../shared/ledger/ranges.js';

/** One bucket of about `rangeSize` consecutive ids with legacy data, as the enumeration query returns them. */
export interface IdBucket {
  lastId: number;
  rows: number;
}

export interface PlanCursor {
  /** Next range gets ids from here (inclusive): the job's min id, or one past the previous range's end. */
  nextStartId: number;
  nextRangeId: number;
}

/**
 * Turn buckets into ranges that tile the id space without gaps: each range starts right after the
 * previous one ends, so a track whose id falls in a gap between buckets still belongs to exactly one range.
 * Pure: the producer feeds it one keyset chunk at a time and carries the cursor to the next chunk.
 *
 * `jobMaxId` marks the walk's last chunk: its last range is stretched to the job's max id, or — with no bucket
 * left — one range of no rows covers what remains, so the ranges cover the job's bounds exactly even when the
 * rows at its end lost their legacy data after the bounds were frozen (the ledger completes a job only then).
 */
export function planRanges(buckets: IdBucket[], cursor: PlanCursor, jobMaxId?: number): { ranges: PlannedRange[]; cursor: PlanCursor } {
  const ranges: PlannedRange[] = [];
  let { nextStartId, nextRangeId } = cursor;
  for (const bucket of buckets) {
    ranges.push({ rangeId: nextRangeId, startId: nextStartId, endId: bucket.lastId, plannedRows: bucket.rows });
    nextStartId = bucket.lastId + 1;
    nextRangeId += 1;
  }
  if (jobMaxId !== undefined && nextStartId <= jobMaxId) {
    const last = ranges[ranges.length - 1];
    if (last) last.endId = jobMaxId;
    else ranges.push({ rangeId: nextRangeId++, startId: nextStartId, endId: jobMaxId, plannedRows: 0 });
    nextStartId = jobMaxId + 1;
  }
  return { ranges, cursor: { nextStartId, nextRangeId } };
}
