/**
 * Waiting on a condition instead of a fixed sleep: poll until `condition` holds (returns true, or any value
 * other than false / undefined, which is then returned), or fail saying what was waited for and for how long.
 * An error thrown by the condition counts as "not yet" and is quoted in the failure if time runs out.
 */
export interface WaitOptions {
  /** What is waited for, as it should read in the failure: "the job to end". */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions): Promise<Exclude<T, false | undefined>> {
  const { what, timeoutMs = 30_000, intervalMs = 200 } = options;
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== false && value !== undefined) return value as Exclude<T, false | undefined>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started >= timeoutMs) break;
    await pause(intervalMs);
  }
  const last = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
  throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(1)} s waiting for ${what}${last}`);
}

/**
 * A deliberate pause, for the few places where time passing is the point: an outage held for a while, or a
 * window in which something must NOT happen. Not for waiting until something happens — use waitFor.
 */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
