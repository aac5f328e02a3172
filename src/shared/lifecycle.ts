import type { Logger } from './logger.js';

/**
 * Things opened are closed in reverse order, every step runs even when one fails, and close() is
 * idempotent (a second call returns the same promise).
 */
export class Closer {
  private readonly steps: { name: string; close: () => Promise<unknown> | unknown }[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly logger?: Logger) {}

  add(name: string, close: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, close });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.close();
        } catch (err) {
          this.logger?.warn({ err, step: step.name }, 'close step failed; continuing with the rest');
        }
      }
    })();
    return this.closing;
  }
}

/**
 * Two-stage signal handling: the first SIGTERM/SIGINT asks the process to drain, a second one exits
 * at once (an open transaction is rolled back by PostgreSQL when the connection drops).
 */
export function onShutdownSignals(drain: (signal: string) => Promise<void>, logger: Logger): void {
  let draining = false;
  const handler = (signal: NodeJS.Signals) => {
    if (draining) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    draining = true;
    logger.info({ signal }, 'draining: finishing the work in hand (send the signal again to exit now)');
    void drain(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * Run until a shutdown signal or a fatal error (`fatal` resolving, e.g. AmqpSession.refused()), whichever comes
 * first; both drain the same way, once. After a fatal error's drain the error is thrown, so the command ends
 * with its exit code and message (src/cli/errorExit.ts); after a signal's drain this resolves.
 */
export function runUntilStopped(drain: (why: string) => Promise<void>, logger: Logger, fatal?: Promise<Error>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let stopping = false;
    const stop = async (why: string, failure?: Error): Promise<void> => {
      if (stopping) return;
      stopping = true;
      try {
        await drain(why);
      } catch (err) {
        logger.warn({ err }, 'draining failed; closing anyway');
      }
      if (failure) reject(failure);
      else resolve();
    };
    onShutdownSignals((signal) => stop(signal), logger);
    void fatal?.then((err) => {
      logger.info({ code: 'code' in err ? err.code : undefined }, 'a fatal error: draining, then exiting');
      return stop('fatal error', err);
    });
  });
}
