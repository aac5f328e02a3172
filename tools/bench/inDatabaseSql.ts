/**
 * The SQL of the in-database reference: the whole conversion as set-based SQL inside PostgreSQL.
 *
 * It approximates the conversion contract closely enough to cost what the real work costs, and
 * is not the product: same defaults, clamping, defaulted_fields / clamped_fields, original_version,
 * tempo/key_confidence copies, and the same history row + track columns as the fleet's write. Where it
 * differs: a row that is not valid jsonb (bad JSON, or a \u0000 / unpaired surrogate jsonb refuses) or not
 * an object, or has a score that is not a finite number or numeric string, is SKIPPED — no backfill_errors
 * row is written (the fleet writes one, about 3 % of rows); numbers go through jsonb `numeric` (so values
 * beyond 1e±131072 error the chunk), PostgreSQL's `\s` is not exactly JavaScript's, and a number copied verbatim keeps its text
 * (`0.50000000000000000000`) where JavaScript writes `0.5`.
 * No ledger, no range bookkeeping: a lower bound on the work, which is what a reference should be.
 * Checked against the JS conversion on 20,000 demo-seeded tracks: the same 19,000 rows converted, and every
 * history `results` equal (numbers compared to 12 significant digits).
 */

/**
 * Helpers created in the bench database only (never in a library's database):
 * - bench_try_jsonb(text): the value as jsonb, or NULL when PostgreSQL cannot parse it. The EXCEPTION block
 *   costs a subtransaction per call (measured: about +25 % over a bare cast); PostgreSQL 15 has no
 *   pg_input_is_valid, and a regex pre-check cannot tell all invalid JSON apart.
 * - bench_read_double(jsonb): the contract's "JSON number or numeric string, finite" as float8, else NULL.
 *   LANGUAGE sql and IMMUTABLE so the planner inlines it.
 */
export const CREATE_HELPERS_SQL = String.raw`
CREATE OR REPLACE FUNCTION bench_try_jsonb(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RETURN t::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION bench_read_double(v jsonb) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(v)
    WHEN 'number' THEN CASE WHEN abs(v::numeric) <= 1.7976931348623157e308 THEN v::numeric::float8 END
    WHEN 'string' THEN CASE WHEN (v #>> '{}') ~ '^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$'
                             AND abs(trim(v #>> '{}')::numeric) <= 1.7976931348623157e308
                            THEN trim(v #>> '{}')::numeric::float8 END
  END $$;`;

/**
 * Convert the tracks with ids in [$1, $2] and write them like the fleet does on a fresh table: history rows
 * with a plain INSERT (the fleet's first try; the unique key would refuse a duplicate) RETURNING track_id,
 * then the columns of exactly those tracks, in one statement.
 * $3 = migration_date (ISO text), $4 = analysis_version, $5 = created_by.
 * The CTEs are MATERIALIZED on purpose: inlined, PostgreSQL re-evaluates bench_try_jsonb once per
 * reference to `j` — measured 10× slower.
 */
export const CONVERT_CHUNK_SQL = `
WITH parsed AS MATERIALIZED (
  SELECT t.id, t.created_at, bench_try_jsonb(t.analysis_data) AS j
    FROM tracks t WHERE t.id BETWEEN $1 AND $2 AND t.analysis_data IS NOT NULL
), raw AS MATERIALIZED (
  SELECT id, created_at, j,
         nullif(j->'energy', 'null') AS re, nullif(j->'danceability', 'null') AS rd,
         nullif(j->'mood_positivity', 'null') AS rv, nullif(j->'acoustic_probability', 'null') AS ra,
         nullif(j->'instrumental_probability', 'null') AS ri, nullif(j->'overall_confidence', 'null') AS rc
    FROM parsed WHERE jsonb_typeof(j) = 'object'
), num AS MATERIALIZED (
  SELECT id, created_at, j, re, rd, rv, ra, ri, rc,
         bench_read_double(re) AS e, bench_read_double(rd) AS d, bench_read_double(rv) AS v,
         bench_read_double(ra) AS a, bench_read_double(ri) AS i, bench_read_double(rc) AS c
    FROM raw
), conv AS (
  SELECT id, created_at, coalesce(c, 0.8) AS c,
         greatest(0, least(1, coalesce(e, 0.5))) AS e, greatest(0, least(1, coalesce(d, 0.5))) AS d,
         greatest(0, least(1, coalesce(v, 0.5))) AS v, greatest(0, least(1, coalesce(a, 0.5))) AS a,
         greatest(0, least(1, coalesce(i, 0.1))) AS i,
         jsonb_build_object(
           'migration_date', $3::text,
           'original_version', coalesce(nullif(j->'version', 'null'), '"legacy"'),
           'migration_notes', 'Migrated from legacy format',
           'defaulted_fields', to_jsonb(array_remove(ARRAY[
               CASE WHEN re IS NULL THEN 'energy_level' END, CASE WHEN rd IS NULL THEN 'danceability' END,
               CASE WHEN rv IS NULL THEN 'valence' END, CASE WHEN ra IS NULL THEN 'acousticness' END,
               CASE WHEN ri IS NULL THEN 'instrumentalness' END], NULL)),
           'clamped_fields', to_jsonb(array_remove(ARRAY[
               CASE WHEN e NOT BETWEEN 0 AND 1 THEN 'energy_level' END, CASE WHEN d NOT BETWEEN 0 AND 1 THEN 'danceability' END,
               CASE WHEN v NOT BETWEEN 0 AND 1 THEN 'valence' END, CASE WHEN a NOT BETWEEN 0 AND 1 THEN 'acousticness' END,
               CASE WHEN i NOT BETWEEN 0 AND 1 THEN 'instrumentalness' END], NULL))
         ) || CASE WHEN j ? 'tempo_confidence' THEN jsonb_build_object('tempo_confidence', j->'tempo_confidence') ELSE '{}' END
           || CASE WHEN j ? 'key_confidence' THEN jsonb_build_object('key_confidence', j->'key_confidence') ELSE '{}' END
           AS metadata
    FROM num
   WHERE (re IS NULL OR e IS NOT NULL) AND (rd IS NULL OR d IS NOT NULL) AND (rv IS NULL OR v IS NOT NULL)
     AND (ra IS NULL OR a IS NOT NULL) AND (ri IS NULL OR i IS NOT NULL) AND (rc IS NULL OR c IS NOT NULL)
), results AS MATERIALIZED (
  SELECT id, created_at, c, e, d, v, a, i, metadata,
         jsonb_build_object('energy_level', e, 'danceability', d, 'valence', v, 'acousticness', a,
                            'instrumentalness', i, 'analysis_version', $4::text, 'confidence_score', c,
                            'metadata', metadata) AS results
    FROM conv
), inserted AS (
  INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results, confidence_score,
                                processing_time_ms, created_at, created_by)
  SELECT id, 'full_analysis', $4, results, c, 0, created_at, $5 FROM results
  RETURNING track_id
)
UPDATE tracks t
   SET energy_level = r.e, danceability = r.d, valence = r.v, acousticness = r.a, instrumentalness = r.i,
       analysis_version = $4, analysis_metadata = r.metadata
  FROM results r
 WHERE t.id = r.id AND t.id IN (SELECT track_id FROM inserted)`;

/**
 * The write path's floor: the same two writes for every track with legacy data in [$1, $2], with constant
 * values and no JSON work at all. $3 = analysis_version, $4 = a constant results object (jsonb text),
 * $5 = created_by.
 */
export const WRITE_FLOOR_CHUNK_SQL = `
WITH inserted AS (
  INSERT INTO analysis_history (track_id, analysis_type, analysis_version, results, confidence_score,
                                processing_time_ms, created_at, created_by)
  SELECT t.id, 'full_analysis', $3, $4::jsonb, 0.8, 0, t.created_at, $5
    FROM tracks t WHERE t.id BETWEEN $1 AND $2 AND t.analysis_data IS NOT NULL
  RETURNING track_id
)
UPDATE tracks t
   SET energy_level = 0.5, danceability = 0.5, valence = 0.5, acousticness = 0.5, instrumentalness = 0.1,
       analysis_version = $3, analysis_metadata = $4::jsonb -> 'metadata'
 WHERE t.id IN (SELECT track_id FROM inserted)`;
