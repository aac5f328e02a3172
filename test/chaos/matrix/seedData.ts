import type pg from 'pg';
import { seedDemoTracks } from '../../../src/demo/seedDemo.js';

/**
 * The data of a scenario: the demo library (ids with gaps, ~2 % without data, ~3 % bad blobs) made different
 * per seed — some ids removed (more gaps) and some blobs replaced by bad ones — so each seed plans other
 * ranges and reports other row errors. Deterministic: the same tracks and seed give the same rows, which is
 * what lets a reference run on a fresh database stand for "the same data, uninterrupted".
 */
export async function seedScenarioData(pool: pg.Pool, tracks: number, seed: number): Promise<void> {
  await seedDemoTracks(pool, tracks);
  const salt = seed >>> 0;
  await pool.query(`DELETE FROM tracks WHERE ((id::bigint * 2654435761 + $1::bigint) % 97) < 4`, [salt]);
  await pool.query(
    `UPDATE tracks SET analysis_data = CASE ((id::bigint + $1::bigint) % 3)
        WHEN 0 THEN '{"energy": "loud"}' WHEN 1 THEN '{"energy": 0.5' ELSE '"just a string"' END
      WHERE ((id::bigint * 40503 + $1::bigint) % 211) = 0`, [salt]);
  await pool.query('ANALYZE tracks');
}
