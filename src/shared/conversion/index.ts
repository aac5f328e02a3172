/** The legacy conversion core: pure functions, no I/O. See types.ts for the words it uses. */
export { convertLegacy, createLegacyConverter, SKIPPED } from './convert.js';
export { toHistoryResults } from './history.js';
export { decodeInputLine, encodeOutcomeLine, NOT_AN_INPUT_LINE } from './lines.js';
export { analysisVersionProblem, resolveConversionOptions, type ConversionSettings } from './options.js';
export { showValue, SHOWN_VALUE_MAX_CHARS } from './rowError.js';
export {
  ANALYSIS_VERSION_MAX_LENGTH,
  CONFIDENCE_KEY,
  DEFAULT_CONFIDENCE,
  MIGRATION_NOTES,
  SCORE_FIELDS,
  VERSION_WHEN_ABSENT,
  readDouble,
  type ScoreField,
} from './rules.js';
export { MAX_STORABLE_DEPTH, isStorableText, unstorableReason } from './storable.js';
export { countOutcome, emptySummary, type ConversionSummary } from './summary.js';
export type * from './types.js';
