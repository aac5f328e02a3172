import type { JobStatus } from '../operations/status/jobStatus.js';
import { formatDuration } from '../operations/status/eta.js';
import { formatFailedRanges } from './rangeFormat.js';
import { RATE_HALF_LIFE_SECONDS, type Eta } from '../operations/status/etaModel.js';

/** The human form of `backfill status`. */
export function formatStatus(s: JobStatus): string {
  const pct = s.progress * 100;
  const lines = [
    `job ${s.jobId}  ${s.state}  analysis version ${s.analysisVersion}  ids ${s.bounds.minId ?? '-'}..${s.bounds.maxId ?? '-'}`,
    `ranges   ${s.ranges.done} done, ${s.ranges.failed} failed, ${s.ranges.pending} pending of ${s.ranges.total}${s.ranges.enumerationComplete ? '' : ' (still enumerating)'}  ${pct.toFixed(1)}%`,
    `tracks   ${s.tracks.converted} converted, ${s.tracks.failed} failed, ${s.tracks.skipped} skipped` +
      `  (${s.source === 'ledger' ? 'counted in the ledger' : 'live counters; --exact counts in the ledger'})`,
    `rate     ${s.ratePerSecond} tracks/s (${rateBasis(s)})   ${etaText(s.eta)}${s.eta.kind === 'estimating' ? ` (${s.eta.basis})` : ''}`,
    s.queue
      ? `queue    ${s.queue.ready} ready, ${s.queue.unacked} in hand, ${s.queue.retrying} waiting to retry, ${s.queue.deadLetter} dead-lettered`
      : 'queue    unknown (RabbitMQ not reachable, or no queues declared in this namespace — TRACKTION_NAMESPACE)',
    `consumers ${s.consumers.live} live${s.consumers.lost ? `, ${s.consumers.lost} lost` : ''}`,
  ];
  lines.push(`throttle ${throttleText(s)}`);
  for (const c of s.consumers.list) {
    lines.push(`  consumer ${c.host} pid ${c.pid}: ${c.alive ? 'alive' : 'LOST'}, ${c.rangesDone} ranges done` +
      `${c.currentRanges.length ? `, in hand ${c.currentRanges.join(' ')}` : ''}, last heartbeat ${c.lastSeen ?? '-'}`);
  }
  lines.push(...formatFailedRanges(s.jobId, s.failedRanges, s.ranges.failed));
  for (const e of s.recentErrors) lines.push(`  recent error: track ${e.trackId} ${e.code}${e.key ? ` (${e.key})` : ''}: ${e.message}`);
  lines.push('history');
  for (const h of s.history) lines.push(`  ${h.at}  ${h.fromState ?? '-'} → ${h.toState}  by ${h.actor}${h.reason ? `: ${h.reason}` : ''}`);
  return lines.join('\n');
}

function throttleText(s: JobStatus): string {
  const t = s.throttle;
  if (t.rate === null && !t.reason) return 'none';
  const rate = t.rate === null ? 'no limit' : t.rate === 0 ? 'HELD (rate 0)' : `${t.rate} tracks/s`;
  return `${rate}${t.reason ? ` — ${t.reason}` : ''}${t.since ? ` since ${t.since}` : ''}`;
}

/** One line for a live progress display. */
export function progressLine(s: JobStatus): string {
  const finished = s.ranges.done + s.ranges.failed;
  const planned = s.ranges.enumerationComplete ? `${s.ranges.total}` : `${s.ranges.total} planned so far`;
  return `job ${s.jobId} ${s.state}: ${(s.progress * 100).toFixed(1)}% (${finished}/${planned} ranges) · ` +
    `${s.tracks.converted} converted, ${s.tracks.failed} failed, ${s.tracks.skipped} skipped · ` +
    `${s.ratePerSecond} tracks/s · ${etaText(s.eta)} · ${s.consumers.live} consumers`;
}

function rateBasis(s: JobStatus): string {
  if (s.eta.kind === 'ended') return 'average over its running time';
  return `recent, half-life ${RATE_HALF_LIFE_SECONDS} s`;
}

/**
 * The ETA for people: "ETA 4m 10s (finish ~12:34 UTC)", "paused", "held by throttle", "estimating…", or for a
 * job that ended its outcome and time ("completed at 12:34:56 UTC", "failed at …") — never a finish time for a
 * job that did not finish its work.
 */
export function etaText(eta: Eta, now = new Date()): string {
  switch (eta.kind) {
    case 'eta':
      return `ETA ${formatDuration(eta.seconds)}${eta.finishAt ? ` (finish ~${utcClock(eta.finishAt, now, false)})` : ''}`;
    case 'paused':
      return 'paused';
    case 'held':
      return 'held by throttle';
    case 'estimating':
      return 'estimating…';
    case 'ended': {
      const outcome = (eta.outcome ?? 'ended').replace('_', ' ');
      if (!eta.endedAt) return outcome;
      // A finalized job keeps the time its work ended: say which event the time is.
      return eta.outcome === 'finalized' ? `finalized (completed at ${utcClock(eta.endedAt, now, true)})` : `${outcome} at ${utcClock(eta.endedAt, now, true)}`;
    }
  }
}

/** "12:34 UTC" (with seconds: "12:34:56 UTC"), with the date in front when it is not today's. */
function utcClock(iso: string, now: Date, withSeconds: boolean): string {
  const at = new Date(iso);
  const time = at.toISOString().slice(11, withSeconds ? 19 : 16);
  const day = at.toISOString().slice(0, 10);
  return `${day === now.toISOString().slice(0, 10) ? '' : `${day} `}${time} UTC`;
}
