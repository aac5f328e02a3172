import type { ConvertedRecord, HistoryResults } from './types.js';

/**
 * The `analysis_history.results` object of a converted record: exactly these eight keys, whatever else a
 * record may carry one day. `metadata` is shared, not copied — it is the same value in both places.
 */
export function toHistoryResults(record: ConvertedRecord): HistoryResults {
  return {
    energy_level: record.energy_level,
    danceability: record.danceability,
    valence: record.valence,
    acousticness: record.acousticness,
    instrumentalness: record.instrumentalness,
    analysis_version: record.analysis_version,
    confidence_score: record.confidence_score,
    metadata: record.metadata,
  };
}
