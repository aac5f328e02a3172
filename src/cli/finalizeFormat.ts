import type { FinalizeReport } from '../operations/finalize.js';
import { printable } from './safeText.js';

/** `backfill finalize` as lines for a person: the verdict first, then what to do about each finding. */
export function formatFinalizeReport(report: FinalizeReport): string[] {
  const { jobId, changed, beyondBounds } = report;
  const lines: string[] = [];
  if (report.finalized) {
    lines.push(`job ${jobId} finalized${report.constraintsValidated.length ? `; validated ${report.constraintsValidated.join(', ')}` : ''}`);
  } else if (report.unconverted > 0) {
    lines.push(`job ${jobId} cannot be finalized: ${report.unconverted} track(s) in its bounds still need conversion (e.g. ${report.sampleTrackIds.join(', ')}) — enqueue a backfill for them`);
  }
  if (changed.count > 0) {
    const what = `${changed.count} track(s) had their legacy data rewritten after conversion and now convert to other values (e.g. ${changed.sampleTrackIds.join(', ')})`;
    if (report.finalized) lines.push(changed.accepted ? `${what}; accepted with --accept-changed` : what);
    else if (report.unconverted === 0) lines.push(`job ${jobId} cannot be finalized: ${what}`);
    else lines.push(what);
    lines.push(`  convert them again (a new analysis version over their ids): ${printable(changed.command ?? '')}`);
    if (!report.finalized) lines.push(`  or keep the values converted from their earlier data: backfill finalize ${jobId} --accept-changed`);
  }
  if (beyondBounds.count > 0) {
    lines.push(`${beyondBounds.count} track(s) with legacy data are beyond the job's id bounds (added since it was enqueued; e.g. ${beyondBounds.sampleTrackIds.join(', ')}) — not this job's; convert them with:`);
    for (const command of beyondBounds.commands) lines.push(`  ${printable(command)}`);
  }
  return lines;
}
