/**
 * The analysis values of a track — the five scores, `analysis_version` and `analysis_metadata` — as ONE jsonb
 * document. It is the shape of a rollback snapshot (`backfill_track_snapshots.previous`), and it is how a
 * rollback decides whether a track still holds what a job wrote: the document of the track's columns equals
 * the document of the job's history row. Comparing documents, not column by column, keeps the rule in one
 * place and makes SQL NULL and JSON null metadata the same value (both become JSON null).
 */

/** The values a `tracks` row holds now (alias `t`). */
export function valuesOfTrack(t: string): string {
  return `jsonb_build_object('energy_level', ${t}.energy_level, 'danceability', ${t}.danceability, 'valence', ${t}.valence,
    'acousticness', ${t}.acousticness, 'instrumentalness', ${t}.instrumentalness,
    'analysis_version', ${t}.analysis_version, 'analysis_metadata', ${t}.analysis_metadata)`;
}

/**
 * The values a job wrote to the track of a history row (alias `h`): the range write sets each column from
 * the row's `results` with exactly these casts, so the two documents are equal while nobody wrote since.
 */
export function valuesWrittenBy(h: string): string {
  return `jsonb_build_object('energy_level', (${h}.results ->> 'energy_level')::float8,
    'danceability', (${h}.results ->> 'danceability')::float8, 'valence', (${h}.results ->> 'valence')::float8,
    'acousticness', (${h}.results ->> 'acousticness')::float8, 'instrumentalness', (${h}.results ->> 'instrumentalness')::float8,
    'analysis_version', ${h}.analysis_version, 'analysis_metadata', ${h}.results -> 'metadata')`;
}

/**
 * The track `t` still holds exactly what the job of history row `h` wrote to it. The version is compared on
 * its own first only because it is cheap: a track a later job wrote over differs there, and building the two
 * documents costs ~5 µs a track (a whole-job check of 100 million tracks).
 */
export function holdsValuesWrittenBy(t: string, h: string): string {
  return `(${t}.analysis_version IS NOT DISTINCT FROM ${h}.analysis_version AND ${valuesOfTrack(t)} = ${valuesWrittenBy(h)})`;
}

/** Columns set back from a snapshot document (alias `s`; no snapshot, a NULL document, sets every one NULL). */
export function setValuesFrom(s: string): string {
  return `energy_level = (${s}.previous ->> 'energy_level')::float8, danceability = (${s}.previous ->> 'danceability')::float8,
    valence = (${s}.previous ->> 'valence')::float8, acousticness = (${s}.previous ->> 'acousticness')::float8,
    instrumentalness = (${s}.previous ->> 'instrumentalness')::float8, analysis_version = ${s}.previous ->> 'analysis_version',
    analysis_metadata = CASE WHEN jsonb_typeof(${s}.previous -> 'analysis_metadata') = 'null' THEN NULL
                             ELSE ${s}.previous -> 'analysis_metadata' END`;
}
