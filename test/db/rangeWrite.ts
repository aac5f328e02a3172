import type pg from 'pg';
import { writeConverted, type ConvertedRow, type HistoryContext, type RowError } from '../../src/consumers/rangeWriter.js';

/**
 * One range write as a consumer does it, in its own transaction (rolled back when it throws): the rows of
 * job `jobId`, range 1, analysis version 2024.1. What the range-write tests call.
 */
export async function writeRange(pool: pg.Pool, jobId: number, rows: ConvertedRow[]): Promise<{ written: number; errors: RowError[] }> {
  const client = await pool.connect();
  const errors: RowError[] = [];
  const ctx: HistoryContext = { jobId, rangeId: 1, analysisVersion: '2024.1', createdBy: `backfill:${jobId}`, processingTimeMs: 0 };
  try {
    await client.query('BEGIN');
    const written = await writeConverted(client, rows, ctx, errors);
    await client.query('COMMIT');
    return { written, errors };
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
