import type { RangeListing } from '../shared/ledger/rangeList.js';
import type { FailedRange } from '../operations/status/failedRanges.js';
import { formatTable } from './output.js';
import { printable } from './safeText.js';

/** A last error longer than this is cut in text output (`--json` carries it whole). */
const ERROR_COLUMN_CHARS = 100;

/**
 * An error message for one table cell: control characters made visible (a PostgreSQL message can quote the
 * data, e.g. a row's file path), cut with "…" when long.
 */
export function errorCell(text: string | null, width = ERROR_COLUMN_CHARS): string {
  if (text === null) return '-';
  const safe = printable(text);
  return safe.length > width ? `${safe.slice(0, width - 1)}…` : safe;
}

/** `backfill ranges` as an aligned table. */
export function formatRangeTable(ranges: readonly RangeListing[]): string {
  return formatTable(['RANGE', 'IDS', 'STATE', 'ATTEMPTS', 'LAST ERROR'],
    ranges.map((r) => [r.rangeId, `${r.startId}..${r.endId}`, r.state, r.attempts, errorCell(r.lastError)]));
}

/**
 * The failed ranges of `backfill status`: the first few with their reason, and how to see the rest.
 * `failedTotal` is the status's count of failed ranges. No lines when none failed.
 */
export function formatFailedRanges(jobId: number, shown: readonly FailedRange[], failedTotal: number): string[] {
  if (shown.length === 0) return [];
  const lines = shown.map((r) => `  failed range ${r.rangeId} (ids ${r.startId}..${r.endId}, ${r.attempts} attempt(s)): ${errorCell(r.lastError)}`);
  const more = failedTotal - shown.length;
  if (more > 0) lines.push(`  … ${more} more: backfill ranges ${jobId} --state failed`);
  return lines;
}
