import { exceedsUtf8Bytes, isJsonObject, kindOf, NOT_JSON, parseJson } from './parse.js';
import { resolveConversionOptions, type ConversionSettings } from './options.js';
import { rowErrorAbout } from './rowError.js';
import {
  ACOUSTICNESS,
  CONFIDENCE_KEY,
  DANCEABILITY,
  DEFAULT_CONFIDENCE,
  ENERGY,
  INSTRUMENTALNESS,
  MIGRATION_NOTES,
  VALENCE,
  VERSION_WHEN_ABSENT,
  readDouble,
  type ScoreField,
} from './rules.js';
import { unstorableReason } from './storable.js';
import type {
  ConversionMetadata,
  ConversionOptions,
  ConversionOutcome,
  JsonValue,
  LegacyKey,
  RowErrorOutcome,
  ScoreColumn,
  SkippedOutcome,
} from './types.js';

type LegacyObject = Readonly<Record<string, unknown>>;

/** Shared and frozen: a skip carries nothing, so every skip can be the same object. */
export const SKIPPED: SkippedOutcome = Object.freeze({ outcome: 'skipped' });

/**
 * Convert one legacy `analysis_data` value by the conversion contract. Pure: the clock is
 * `options.now`. Never throws for any value; it throws only for bad options (see resolveConversionOptions).
 * For many rows, `createLegacyConverter` checks the options once.
 */
export function convertLegacy(value: unknown, options: ConversionOptions): ConversionOutcome {
  return convertWith(value, resolveConversionOptions(options));
}

/** The options checked once; the returned function converts one legacy value and never throws. */
export function createLegacyConverter(options: ConversionOptions): (value: unknown) => ConversionOutcome {
  const settings = resolveConversionOptions(options);
  return (value) => convertWith(value, settings);
}

function convertWith(value: unknown, settings: ConversionSettings): ConversionOutcome {
  if (value === null) return SKIPPED;
  try {
    let parsed: unknown = value;
    if (typeof value === 'string') {
      const { maxBytes } = settings;
      if (maxBytes !== undefined && exceedsUtf8Bytes(value, maxBytes)) {
        return rowErrorAbout('too_large', null, `is over the limit of ${maxBytes} bytes of JSON text`, value);
      }
      parsed = parseJson(value);
      if (parsed === NOT_JSON) return rowErrorAbout('invalid_json', null, 'is not valid JSON text', value);
    }
    if (!isJsonObject(parsed)) {
      return rowErrorAbout('not_an_object', null, `is not a JSON object (${kindOf(parsed)})`, parsed);
    }
    return convertObject(parsed, settings);
  } catch (err) {
    // Only a hand-made value can get here (a getter or proxy that throws); JSON input cannot.
    const reason = err instanceof Error ? err.message : 'a non-Error was thrown';
    return rowErrorAbout('invalid_json', null, 'could not be read as JSON data', reason);
  }
}

function convertObject(legacy: LegacyObject, settings: ConversionSettings): ConversionOutcome {
  const defaulted: ScoreColumn[] = [];
  const clamped: ScoreColumn[] = [];
  // Unrolled in table order: the first bad key is the one reported.
  const energy = readScore(legacy, ENERGY, defaulted, clamped);
  if (typeof energy !== 'number') return energy;
  const danceability = readScore(legacy, DANCEABILITY, defaulted, clamped);
  if (typeof danceability !== 'number') return danceability;
  const valence = readScore(legacy, VALENCE, defaulted, clamped);
  if (typeof valence !== 'number') return valence;
  const acousticness = readScore(legacy, ACOUSTICNESS, defaulted, clamped);
  if (typeof acousticness !== 'number') return acousticness;
  const instrumentalness = readScore(legacy, INSTRUMENTALNESS, defaulted, clamped);
  if (typeof instrumentalness !== 'number') return instrumentalness;
  const confidence = readConfidence(legacy);
  if (typeof confidence !== 'number') return confidence;
  const metadata = buildMetadata(legacy, settings.migrationDate, defaulted, clamped);
  if ('outcome' in metadata) return metadata;
  return {
    outcome: 'converted',
    record: {
      energy_level: energy,
      danceability,
      valence,
      acousticness,
      instrumentalness,
      analysis_version: settings.analysisVersion,
      confidence_score: confidence,
      metadata,
    },
  };
}

/** Absent or null → default; a finite reading → clamped into [0, 1]; anything else → invalid_value. */
function readScore(
  legacy: LegacyObject,
  field: ScoreField,
  defaulted: ScoreColumn[],
  clamped: ScoreColumn[],
): number | RowErrorOutcome {
  const raw = ownValue(legacy, field.key);
  if (raw === undefined || raw === null) {
    defaulted.push(field.column);
    return field.fallback;
  }
  const value = readFinite(field.key, raw);
  if (typeof value !== 'number') return value;
  if (value < 0 || value > 1) {
    clamped.push(field.column);
    return value < 0 ? 0 : 1;
  }
  return value;
}

/** Read like a score, but never clamped. */
function readConfidence(legacy: LegacyObject): number | RowErrorOutcome {
  const raw = ownValue(legacy, CONFIDENCE_KEY);
  if (raw === undefined || raw === null) return DEFAULT_CONFIDENCE;
  return readFinite(CONFIDENCE_KEY, raw);
}

/** A finite double (-0 read as 0, so it prints as 0), or the invalid_value error naming the key. */
function readFinite(key: LegacyKey, raw: unknown): number | RowErrorOutcome {
  const value = readDouble(raw);
  if (value === undefined) return rowErrorAbout('invalid_value', key, 'must be a number or a numeric string', raw);
  if (!Number.isFinite(value)) return rowErrorAbout('invalid_value', key, 'is not a finite number', raw);
  return value === 0 ? 0 : value;
}

/** The metadata, or `unstorable` naming the first copied key (version, tempo_confidence, key_confidence). */
function buildMetadata(
  legacy: LegacyObject,
  migrationDate: string,
  defaulted: ScoreColumn[],
  clamped: ScoreColumn[],
): ConversionMetadata | RowErrorOutcome {
  const version = ownValue(legacy, 'version');
  const versionProblem = unstorableReason(version ?? null);
  if (versionProblem !== undefined) return unstorable('version', versionProblem, version);
  const metadata: ConversionMetadata = {
    migration_date: migrationDate,
    original_version: version === undefined || version === null ? VERSION_WHEN_ABSENT : (version as JsonValue),
    migration_notes: MIGRATION_NOTES,
  } as ConversionMetadata;
  const tempo = ownValue(legacy, 'tempo_confidence');
  if (tempo !== undefined) {
    const problem = unstorableReason(tempo);
    if (problem !== undefined) return unstorable('tempo_confidence', problem, tempo);
    metadata.tempo_confidence = tempo as JsonValue;
  }
  const key = ownValue(legacy, 'key_confidence');
  if (key !== undefined) {
    const problem = unstorableReason(key);
    if (problem !== undefined) return unstorable('key_confidence', problem, key);
    metadata.key_confidence = key as JsonValue;
  }
  metadata.defaulted_fields = defaulted;
  metadata.clamped_fields = clamped;
  return metadata;
}

function unstorable(key: LegacyKey, problem: string, value: unknown): RowErrorOutcome {
  return rowErrorAbout('unstorable', key, problem, value);
}

/** Own properties only: an inherited property (a polluted prototype) is not part of the legacy value. */
function ownValue(legacy: LegacyObject, key: string): unknown {
  return Object.hasOwn(legacy, key) ? legacy[key] : undefined;
}
