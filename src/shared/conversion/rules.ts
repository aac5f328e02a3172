import type { LegacyScoreKey, ScoreColumn } from './types.js';

/** One row of the contract's score table. */
export interface ScoreField {
  readonly column: ScoreColumn;
  readonly key: LegacyScoreKey;
  readonly fallback: number;
}

export const ENERGY: ScoreField = Object.freeze({ column: 'energy_level', key: 'energy', fallback: 0.5 });
export const DANCEABILITY: ScoreField = Object.freeze({ column: 'danceability', key: 'danceability', fallback: 0.5 });
export const VALENCE: ScoreField = Object.freeze({ column: 'valence', key: 'mood_positivity', fallback: 0.5 });
export const ACOUSTICNESS: ScoreField = Object.freeze({
  column: 'acousticness',
  key: 'acoustic_probability',
  fallback: 0.5,
});
export const INSTRUMENTALNESS: ScoreField = Object.freeze({
  column: 'instrumentalness',
  key: 'instrumental_probability',
  fallback: 0.1,
});

/** The score table in its order — the order defaults, clamps and the first bad key are reported in. */
export const SCORE_FIELDS: readonly ScoreField[] = Object.freeze([
  ENERGY,
  DANCEABILITY,
  VALENCE,
  ACOUSTICNESS,
  INSTRUMENTALNESS,
]);

export const CONFIDENCE_KEY = 'overall_confidence';
export const DEFAULT_CONFIDENCE = 0.8;
export const VERSION_WHEN_ABSENT = 'legacy';
export const MIGRATION_NOTES = 'Migrated from legacy format';
export const ANALYSIS_VERSION_MAX_LENGTH = 20;

/**
 * The contract's numeric string. JavaScript's `\d` is ASCII-only; its `\s` is Unicode whitespace, the same
 * set `Number()` trims, so every string this accepts reads with `Number()` exactly.
 */
const NUMERIC_STRING = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * A JSON number, or a numeric string, read as a double (possibly not finite, e.g. `1e400`);
 * `undefined` when the value is neither — a boolean, another string, an array, an object.
 */
export function readDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_STRING.test(value)) return Number(value);
  return undefined;
}
