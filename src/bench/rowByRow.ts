import type pg from 'pg';
import { createLegacyConverter } from '../shared/conversion/convert.js';

/**
 * The naive method the fleet is measured against, written the way a one-off migration script usually
 * is: read batches of 1,000 tracks with LIMIT/OFFSET, convert each in JavaScript with the same pure
 * conversion, and write each converted track with one UPDATE and one INSERT; one transaction per batch
 * (committing per statement would be slower still, so this favours the naive method). Row errors are
 * counted, not written. It walks the first `sample` tracks of the table: OFFSET gets slower the further
 * it goes, so a sample of a bigger table is flattering to this method, never unfair to it.
 */
const READ_BATCH_SQL = `SELECT id, analysis_data, created_at FROM tracks ORDER BY id LIMIT $1 OFFSET $2`;

const UPDATE_TRACK_SQL = `
  UPDATE tracks SET energy_level = $2, danceability = $3, valence = $4, acousticness = $5, instrumentalness = $6,
                    analysis_version = $7, analysis_metadata = $8
   WHERE id = $1`;

const INSERT_HISTORY_SQL = `
  INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results, confidence_score,
                                processing_time_ms, created_at, created_by)
  VALUES ($1, 'full_analysis', $2, $3, $4, 0, $5, 'bench:row-by-row')`;

export const ROW_BY_ROW_BATCH = 1000;

export interface RowByRowRun {
  tracks: number;
  converted: number;
  failed: number;
  skipped: number;
  seconds: number;
}

export async function runRowByRow(pool: pg.Pool, sample: number, analysisVersion: string,
  onProgress?: (done: number) => void): Promise<RowByRowRun> {
  const convert = createLegacyConverter({ analysisVersion, now: new Date() });
  const run = { tracks: 0, converted: 0, failed: 0, skipped: 0, seconds: 0 };
  const client = await pool.connect();
  const started = performance.now();
  try {
    while (run.tracks < sample) {
      const { rows } = await client.query<{ id: number; analysis_data: string | null; created_at: Date }>(
        READ_BATCH_SQL, [Math.min(ROW_BY_ROW_BATCH, sample - run.tracks), run.tracks]);
      if (rows.length === 0) break;
      await client.query('BEGIN');
      for (const row of rows) {
        const outcome = convert(row.analysis_data);
        if (outcome.outcome === 'skipped') run.skipped++;
        else if (outcome.outcome === 'error') run.failed++;
        else {
          const r = outcome.record;
          const metadata = JSON.stringify(r.metadata);
          await client.query(UPDATE_TRACK_SQL, [row.id, r.energy_level, r.danceability, r.valence, r.acousticness,
            r.instrumentalness, r.analysis_version, metadata]);
          await client.query(INSERT_HISTORY_SQL, [row.id, r.analysis_version, JSON.stringify(r), r.confidence_score, row.created_at]);
          run.converted++;
        }
      }
      await client.query('COMMIT');
      run.tracks += rows.length;
      onProgress?.(run.tracks);
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  run.seconds = (performance.now() - started) / 1000;
  return run;
}
