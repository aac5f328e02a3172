import type pg from 'pg';

/**
 * Seed legacy tracks the way a real library looks: ids with gaps, about 2 % without analysis data,
 * and about 3 % of blobs bad in the ways old analyzers really broke them (truncated JSON, words for
 * numbers, booleans, arrays, overflowing numbers, a NUL in the version). Deterministic: the same N gives
 * the same rows. Generated inside PostgreSQL in chunks, so a million rows take seconds.
 */
const SEED_CHUNK_SQL = `
  INSERT INTO tracks (id, file_path, analysis_data, created_at)
  SELECT (g + g / 10)::int, format('/music/artist-%s/album-%s/track-%s.flac', g % 997, g % 89, g), CASE
      WHEN g % 1000 < 20 THEN NULL
      WHEN g % 1000 < 28 THEN '{"energy": 0.61, "danceability": 0.4'
      WHEN g % 1000 < 36 THEN '{"energy": "high", "danceability": 0.7}'
      WHEN g % 1000 < 40 THEN '{"energy": 0.3, "danceability": true}'
      WHEN g % 1000 < 44 THEN '[0.1, 0.2, 0.3]'
      WHEN g % 1000 < 47 THEN '{"energy": 1e400}'
      WHEN g % 1000 < 50 THEN '{"energy": 0.5, "version": "1.0\\u0000beta"}'
      WHEN g % 1000 < 80 THEN json_build_object('energy', 1.25, 'danceability', -0.1, 'mood_positivity', 0.4,
                                                'version', '1.0')::text
      WHEN g % 1000 < 130 THEN json_build_object('energy', ((g * 31) % 100) / 100.0, 'version', 2)::text
      ELSE json_build_object(
        'energy', ((g * 7919) % 1000) / 1000.0,
        'danceability', ((g * 104729) % 1000) / 1000.0,
        'mood_positivity', ((g * 1299709) % 1000) / 1000.0,
        'acoustic_probability', (((g * 15485863) % 1000) / 1000.0)::text,
        'instrumental_probability', ((g * 32452843) % 1000) / 1000.0,
        'overall_confidence', 0.5 + ((g * 49979687) % 500) / 1000.0,
        'tempo_confidence', ((g * 86028121) % 100) / 100.0,
        'key_confidence', CASE WHEN g % 7 = 0 THEN NULL ELSE ((g * 3) % 100) / 100.0 END,
        'version', CASE WHEN g % 3 = 0 THEN '1.2.3' ELSE '1.0' END,
        'bpm', 60 + g % 120)::text
    END,
    timestamp '2020-01-01' + make_interval(mins => g::int)
  FROM generate_series($1::bigint, $2::bigint) AS g`;

const CHUNK = 50_000;

export async function seedDemoTracks(pool: pg.Pool, tracks: number, onProgress?: (done: number) => void): Promise<void> {
  for (let start = 1; start <= tracks; start += CHUNK) {
    const end = Math.min(tracks, start + CHUNK - 1);
    await pool.query(SEED_CHUNK_SQL, [start, end]);
    onProgress?.(end);
  }
  await pool.query('ANALYZE tracks');
}
