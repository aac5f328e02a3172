import { expect } from 'chai';
import type pg from 'pg';
import { convertLegacy } from '../../src/shared/conversion/convert.js';

/**
 * The end state an uninterrupted run must leave, derived track by track from the pure conversion, and
 * a check of the real database against it: converted tracks have exactly one history row and the right
 * columns, bad rows exactly one row error with the right code, skipped rows are untouched.
 */
export async function expectDatabaseMatchesConversion(pool: pg.Pool, jobId: number, analysisVersion = '2024.1', maxBytes?: number): Promise<{
  converted: number; failed: number; skipped: number;
}> {
  const { rows } = await pool.query<{
    id: number; analysis_data: string | null; energy_level: number | null; danceability: number | null; valence: number | null;
    acousticness: number | null; instrumentalness: number | null; analysis_version: string | null; analysis_metadata: Record<string, unknown> | null;
    history: string; error_codes: string[] | null;
  }>(`
    SELECT t.id, t.analysis_data, t.energy_level, t.danceability, t.valence, t.acousticness, t.instrumentalness,
           t.analysis_version, t.analysis_metadata,
           (SELECT count(*) FROM analysis_history h WHERE h.track_id = t.id) AS history,
           (SELECT array_agg(e.code) FROM backfill_errors e WHERE e.track_id = t.id AND e.job_id = $1) AS error_codes
      FROM tracks t ORDER BY t.id`, [jobId]);
  const now = new Date();
  let converted = 0, failed = 0, skipped = 0;
  for (const row of rows) {
    const expected = convertLegacy(row.analysis_data, { analysisVersion, now, ...(maxBytes ? { maxBytes } : {}) });
    const where = `track ${row.id}`;
    if (expected.outcome === 'converted') {
      converted++;
      expect(Number(row.history), `${where}: history rows`).to.equal(1);
      expect(row.error_codes, `${where}: errors`).to.equal(null);
      expect(row.energy_level, where).to.equal(expected.record.energy_level);
      expect(row.danceability, where).to.equal(expected.record.danceability);
      expect(row.valence, where).to.equal(expected.record.valence);
      expect(row.acousticness, where).to.equal(expected.record.acousticness);
      expect(row.instrumentalness, where).to.equal(expected.record.instrumentalness);
      expect(row.analysis_version, where).to.equal(analysisVersion);
      const { migration_date: _ignored, ...metadata } = row.analysis_metadata ?? {};
      const { migration_date: _alsoIgnored, ...expectedMetadata } = expected.record.metadata;
      expect(metadata, where).to.deep.equal(expectedMetadata);
    } else if (expected.outcome === 'error') {
      failed++;
      expect(row.error_codes, `${where}: row error`).to.deep.equal([expected.code]);
      expect(Number(row.history), `${where}: history rows`).to.equal(0);
      expect(row.analysis_version, where).to.equal(null);
    } else {
      skipped++;
      expect(Number(row.history), `${where}: history rows`).to.equal(0);
      expect(row.error_codes, `${where}: errors`).to.equal(null);
      expect([row.energy_level, row.analysis_version, row.analysis_metadata], where).to.deep.equal([null, null, null]);
    }
  }
  return { converted, failed, skipped };
}
