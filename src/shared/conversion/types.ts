import type { RowErrorCode } from '../errorCodes.js';

/**
 * The words of the conversion contract, as types.
 *
 * - legacy value: one track's `analysis_data` — SQL NULL, JSON text, or an already parsed json/jsonb value.
 * - outcome: what converting one legacy value gives — skipped, a row error, or a converted record.
 * - row error: data, not an exception; it carries a stable `code`, the legacy key (or null) and a message.
 */

/** A value JSON (and PostgreSQL jsonb) can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The five score columns of `tracks`, in the contract's table order. */
export type ScoreColumn = 'energy_level' | 'danceability' | 'valence' | 'acousticness' | 'instrumentalness';

/** The legacy keys the five scores are read from, in the same order. */
export type LegacyScoreKey =
  | 'energy'
  | 'danceability'
  | 'mood_positivity'
  | 'acoustic_probability'
  | 'instrumental_probability';

/** Every legacy key a row error can name. Errors about the whole value (`invalid_json` …) name none. */
export type LegacyKey = LegacyScoreKey | 'overall_confidence' | 'version' | 'tempo_confidence' | 'key_confidence';

/** The stable codes of a row error. `too_large` only occurs when `maxBytes` is given. */
export type { RowErrorCode } from '../errorCodes.js';

/** `tracks.analysis_metadata`; also the `metadata` member of `analysis_history.results`. */
export interface ConversionMetadata {
  /** ISO-8601 UTC time of the conversion (the injected clock). */
  migration_date: string;
  /** The legacy `version` verbatim, or "legacy" when it is absent or null. */
  original_version: JsonValue;
  migration_notes: string;
  /** Copied verbatim when the legacy key is present (null included); absent otherwise. */
  tempo_confidence?: JsonValue;
  key_confidence?: JsonValue;
  /** Score columns that took their default, in table order. */
  defaulted_fields: ScoreColumn[];
  /** Score columns whose value was clamped into [0, 1], in table order. */
  clamped_fields: ScoreColumn[];
}

/** One converted track: what the backfill writes to `tracks` and `analysis_history`. */
export interface ConvertedRecord {
  energy_level: number;
  danceability: number;
  valence: number;
  acousticness: number;
  instrumentalness: number;
  analysis_version: string;
  confidence_score: number;
  metadata: ConversionMetadata;
}

/** The `analysis_history.results` object — exactly the eight keys of a converted record. */
export type HistoryResults = ConvertedRecord;

export interface SkippedOutcome {
  readonly outcome: 'skipped';
}

export interface RowErrorOutcome {
  outcome: 'error';
  code: RowErrorCode;
  key: LegacyKey | null;
  message: string;
}

export interface ConvertedOutcome {
  outcome: 'converted';
  record: ConvertedRecord;
}

export type ConversionOutcome = SkippedOutcome | RowErrorOutcome | ConvertedOutcome;

export interface ConversionOptions {
  /** The job's target `analysis_version`: 1–20 characters. */
  analysisVersion: string;
  /** The conversion time, written to `metadata.migration_date`. */
  now: Date;
  /** When given, JSON text longer than this many UTF-8 bytes is `too_large` and is not parsed. */
  maxBytes?: number;
}
