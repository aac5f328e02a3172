import type pg from 'pg';
import { createLegacyConverter } from '../../src/shared/conversion/convert.js';

/**
 * The naive method the fleet is measured against, written the way a one-off migration script usually
 * is: read batches of 1,000 tracks with LIMIT/OFFSET, convert each in JavaScript with the same pure
 * conversion, and write each converted track with one UPDATE and one INSERT; one transaction per batch
 * (committing per statement would be slower still, so this favours the naive method). Row errors are
 * counted, not written.
 *
 * On a sample, it runs every k-th batch of the whole walk (see `sampledBatchOffsets`), so the OFFSETs it
 * pays for are spread over the table as in a whole run, not only the cheap ones at its start. It still
 * flatters the method, by about 2× at 1,000,000 tracks (measured: 2,007 tracks/s on a 50,000 sample,
 * 1,073 over the whole table): what slows a whole walk is mostly the dead row versions its own earlier
 * UPDATEs leave for every later OFFSET to step over, and a sample leaves few. With the sample equal to the
 * table (`--row-by-row-sample N`) it is the whole walk.
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

/**
 * The OFFSETs of the batches a sampled walk runs: about `sample / batch` batches, evenly spaced among the
 * `ceil(tracks / batch)` batches of the whole walk, the first and the last included. With `sample >= tracks`,
 * every batch.
 */
export function sampledBatchOffsets(tracks: number, sample: number, batch = ROW_BY_ROW_BATCH): number[] {
  const all = Math.ceil(tracks / batch);
  const taken = Math.min(all, Math.max(1, Math.ceil(sample / batch)));
  if (taken === 1) return [0];
  const offsets: number[] = [];
  for (let j = 0; j < taken; j++) offsets.push(Math.round((j * (all - 1)) / (taken - 1)) * batch);
  return offsets;
}

export async function runRowByRow(pool: pg.Pool, tracks: number, sample: number, analysisVersion: string,
  onProgress?: (done: number) => void): Promise<RowByRowRun> {
  const convert = createLegacyConverter({ analysisVersion, now: new Date() });
  const run = { tracks: 0, converted: 0, failed: 0, skipped: 0, seconds: 0 };
  const client = await pool.connect();
  const started = performance.now();
  try {
    for (const offset of sampledBatchOffsets(tracks, sample)) {
      const { rows } = await client.query<{ id: number; analysis_data: string | null; created_at: Date }>(
        READ_BATCH_SQL, [ROW_BY_ROW_BATCH, offset]);
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
