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
 */
export function planRanges(buckets: IdBucket[], cursor: PlanCursor): { ranges: PlannedRange[]; cursor: PlanCursor } {
  const ranges: PlannedRange[] = [];
  let { nextStartId, nextRangeId } = cursor;
  for (const bucket of buckets) {
    ranges.push({ rangeId: nextRangeId, startId: nextStartId, endId: bucket.lastId, plannedRows: bucket.rows });
    nextStartId = bucket.lastId + 1;
    nextRangeId += 1;
  }
  return { ranges, cursor: { nextStartId, nextRangeId } };
}
