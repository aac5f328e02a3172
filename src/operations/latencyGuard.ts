import type pg from 'pg';
import type { AppLatencyTarget } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { probeApplicationLatency, type ProbeRound } from './appLatencyProbe.js';
import { baselineFor, type AppLatencySignal, type Baseline } from './latencyTarget.js';

/** Quiet rounds remembered for the next job's baseline: a minute of 5-s rounds. */
const QUIET_ROUNDS_KEPT = 12;

/**
 * The producer's latency guard: one probe round per throttle round, shared by every running job, and the
 * quiet rounds — taken while no job of the fleet converts — that jobs' baselines come from. Each job keeps
 * its baseline in its throttle fields, so a producer that takes over a running job keeps it too.
 */
export class LatencyGuard {
  private readonly quiet: Baseline[] = [];
  private round: ProbeRound | null = null;

  constructor(readonly target: AppLatencyTarget | null, private readonly probe = probeApplicationLatency) {}

  /**
   * Measure once for this throttle round. `quiet`: no job of the fleet converts right now (none running,
   * or all held). A failed probe leaves the round without a measurement: the guard does not act on it.
   */
  async measure(pool: pg.Pool, quiet: boolean, logger: Logger, now = Date.now(), shape?: { reads: number; spacingMs: number }): Promise<ProbeRound | null> {
    this.round = null;
    if (this.target === null) return null;
    try {
      this.round = await this.probe(pool, shape);
    } catch (err) {
      logger.warn({ err }, 'application latency probe failed; the latency guard skips this round');
      return null;
    }
    if (quiet) {
      this.quiet.push({ ms: this.round.probeMs, at: now });
      if (this.quiet.length > QUIET_ROUNDS_KEPT) this.quiet.shift();
    }
    return this.round;
  }

  /** This round's signal for a job, and the baseline to keep in its throttle fields. */
  signalFor(fields: Record<string, string>): { signal: AppLatencySignal | null; baseline: Baseline | null } {
    const stored = fields.appBaselineMs ? { ms: Number(fields.appBaselineMs), at: Number(fields.appBaselineAt ?? 0) } : null;
    const baseline = baselineFor(stored, this.quiet);
    if (this.round === null) return { signal: null, baseline };
    return { signal: { probeMs: this.round.probeMs, baselineMs: baseline?.ms ?? null, activeSessions: this.round.activeSessions }, baseline };
  }
}
