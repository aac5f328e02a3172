/**
 * Liveness: is the event loop turning? A timer ticks every `intervalMs`; when it fires much later than
 * planned the loop was blocked (a synchronous CPU hog, a deadlocked native call). A probe served while the
 * loop is stuck times out anyway; this also catches a loop that was stuck a moment ago and just got free.
 */
export class EventLoopWatch {
  private lastTick = performance.now();
  private lastLagMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly intervalMs = 500, private readonly maxLagMs = 10_000) {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lastLagMs = Math.max(0, now - this.lastTick - this.intervalMs);
      this.lastTick = now;
    }, intervalMs);
    this.timer.unref();
  }

  /** ok unless the last tick was late by more than maxLagMs, or no tick came for that long. */
  check(): { ok: boolean; eventLoopLagMs: number } {
    const sinceTick = performance.now() - this.lastTick - this.intervalMs;
    const lag = Math.max(this.lastLagMs, sinceTick, 0);
    return { ok: lag <= this.maxLagMs, eventLoopLagMs: Math.round(lag) };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
