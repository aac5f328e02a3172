import { SCORE_FIELDS } from './rules.js';
import type { ConversionOutcome, RowErrorCode, ScoreColumn } from './types.js';

/** Counts of a dry run: by outcome, by error code (with the first line that had it), and by score column. */
export interface ConversionSummary {
  lines: number;
  outcomes: { converted: number; skipped: number; error: number };
  errors: Partial<Record<RowErrorCode, { count: number; sampleLine: number }>>;
  /** Converted rows in which each score column took its default / was clamped. */
  defaulted: Record<ScoreColumn, number>;
  clamped: Record<ScoreColumn, number>;
}

export function emptySummary(): ConversionSummary {
  return {
    lines: 0,
    outcomes: { converted: 0, skipped: 0, error: 0 },
    errors: {},
    defaulted: zeroPerColumn(),
    clamped: zeroPerColumn(),
  };
}

/** Count one outcome, read from line `lineNumber` (1-based). */
export function countOutcome(summary: ConversionSummary, outcome: ConversionOutcome, lineNumber: number): void {
  summary.lines += 1;
  summary.outcomes[outcome.outcome] += 1;
  if (outcome.outcome === 'error') {
    const seen = summary.errors[outcome.code];
    if (seen) seen.count += 1;
    else summary.errors[outcome.code] = { count: 1, sampleLine: lineNumber };
  } else if (outcome.outcome === 'converted') {
    for (const column of outcome.record.metadata.defaulted_fields) summary.defaulted[column] += 1;
    for (const column of outcome.record.metadata.clamped_fields) summary.clamped[column] += 1;
  }
}

function zeroPerColumn(): Record<ScoreColumn, number> {
  return Object.fromEntries(SCORE_FIELDS.map((field) => [field.column, 0])) as Record<ScoreColumn, number>;
}
