import { laterWritersRefusal, type KeptTracks, type RollbackPlan, type RollbackProgress } from '../operations/rollback.js';

/** The human form of `backfill rollback`: its preview (before --yes) and its result. */

const sample = (kept: KeptTracks) => (kept.sampleTrackIds.length ? ` — e.g. ${kept.sampleTrackIds.join(', ')}` : '');

function keptLines(byJobs: KeptTracks, changed: KeptTracks, verb: string): string[] {
  const lines: string[] = [];
  if (byJobs.tracks > 0) lines.push(`${verb} ${byJobs.tracks} track(s) a later job wrote over since (they keep its values)${sample(byJobs)}`);
  if (changed.tracks > 0) lines.push(`${verb} ${changed.tracks} track(s) changed since outside the backfill (the application or an operator)${sample(changed)}`);
  return lines;
}

export function formatRollbackPlan(jobId: number, state: string, plan: RollbackPlan): string {
  const lines = [
    `job ${jobId} (${state}): would delete ${plan.historyRows} analysis_history row(s) over ${plan.ranges} range(s)`,
    `  restore ${plan.restorable} track(s) still holding its values (${plan.fromSnapshots} to saved earlier values, the rest to NULL)`,
    ...keptLines(plan.keptOverwrittenByJobs, plan.keptChangedOutsideBackfill, 'keep').map((l) => `  ${l}`),
  ];
  if (plan.laterWriters.length > 0) lines.push(`  refused as it stands: ${laterWritersRefusal(jobId, plan.laterWriters)}`);
  return lines.join('\n');
}

export function formatRollbackResult(jobId: number, result: RollbackProgress): string {
  return [
    `job ${jobId}: rolled back ${result.rangesDone} range(s), ${result.tracksRestored} track(s) restored`,
    ...keptLines(result.keptOverwrittenByJobs, result.keptChangedOutsideBackfill, 'kept').map((l) => `  ${l}`),
  ].join('\n');
}
