import type pg from 'pg';
import type { IdBucket } from './planRanges.js';

/**
 * Walk `tracks` ids with a keyset scan (never OFFSET: its cost grows with the offset) and cut them into
 * buckets of `rangeSize` rows with legacy data. Ids have gaps, so the cut is by row count, not by id
 * arithmetic. PostgreSQL does the counting; only one (last id, rows) pair per bucket crosses the wire.
 */
const CHUNK_SQL = `
  SELECT max(id)::float8 AS "lastId", count(*)::float8 AS rows
    FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $4 AS bucket
            FROM (SELECT id FROM tracks
                   WHERE id > $1 AND id <= $2 AND analysis_data IS NOT NULL
                   ORDER BY id LIMIT $3) AS chunk) AS numbered
   GROUP BY bucket ORDER BY bucket`;

/** The next chunk of buckets after `afterId`: at most `buckets` of them, each of `rangeSize` rows (the last may be short). */
export async function fetchBuckets(db: pg.Pool | pg.PoolClient, afterId: number, maxId: number, rangeSize: number, buckets: number): Promise<IdBucket[]> {
  const { rows } = await db.query<IdBucket>(CHUNK_SQL, [afterId, maxId, rangeSize * buckets, rangeSize]);
  return rows;
}
