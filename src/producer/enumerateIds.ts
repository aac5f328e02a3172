import type pg from 'pg';
import type { IdBucket } from './planRanges.js';

/** Buckets per keyset chunk: one query covers this many ranges, so memory stays bounded whatever the table size. */
const BUCKETS_PER_CHUNK = 200;

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

export async function* enumerateBuckets(
  db: pg.Pool, afterId: number, maxId: number, rangeSize: number,
): AsyncGenerator<IdBucket[]> {
  const chunkRows = rangeSize * BUCKETS_PER_CHUNK;
  let cursor = afterId;
  for (;;) {
    const { rows } = await db.query<IdBucket>(CHUNK_SQL, [cursor, maxId, chunkRows, rangeSize]);
    if (rows.length === 0) return;
    yield rows;
    const total = rows.reduce((sum, b) => sum + b.rows, 0);
    if (total < chunkRows) return;
    cursor = (rows[rows.length - 1] as IdBucket).lastId;
  }
}
