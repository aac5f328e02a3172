import { errorCode } from '../shared/errors.js';
import { endLiveLine } from '../shared/liveLine.js';

/**
 * Data goes to stdout, messages to stderr: a script can pipe one and read the other. Every write to stdout
 * goes through here, so a reader that goes away (`| head -1`) ends the output quietly: the first EPIPE marks
 * stdout closed, later writes are dropped, and a command that follows a job (`--watch`, `wait`) stops — as
 * other line tools do on SIGPIPE — instead of dying with a stack trace.
 */

let stdoutClosed = false;

/** Installed once by the CLI's entry point, before any command runs. */
export function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (err: unknown) => {
    if (errorCode(err) === 'EPIPE' || errorCode(err) === 'ERR_STREAM_DESTROYED') {
      stdoutClosed = true;
      return;
    }
    throw err;
  });
}

/** True once the reader of stdout has gone: loops that print as they go stop. */
export function isStdoutClosed(): boolean {
  return stdoutClosed || process.stdout.destroyed;
}

/** Write text as it is (no newline added). */
export function writeOut(text: string): void {
  // Same terminal as the live line on stderr: end that line first.
  if (process.stdout.isTTY) endLiveLine();
  if (!isStdoutClosed()) process.stdout.write(text);
}

/**
 * Write and wait while the pipe is full: a long export (a million row errors) stays at a pipe's worth of memory.
 * Resolves at once when stdout has closed.
 */
export function writeOutDrained(text: string): Promise<void> {
  if (isStdoutClosed() || process.stdout.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('close', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.on('drain', done).on('close', done).on('error', done);
  });
}

export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value)}\n`);
}

export function printLine(line = ''): void {
  writeOut(`${line}\n`);
}

export function printMessage(line: string): void {
  endLiveLine();
  process.stderr.write(`${line}\n`);
}

/** Render rows as an aligned text table (for the human form of a report). */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
