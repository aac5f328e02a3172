/**
 * The one writer of live lines on stderr: a progress line that redraws itself (the demo's bar, `backfill wait`,
 * a rollback's count). Every other writer to the terminal — messages, log lines, stdout when it is the same
 * terminal — calls `endLiveLine()` first, so a message never lands on the end of a half-drawn line.
 * On a stream that is not a terminal nothing can be redrawn: the line is printed whole, at most every few seconds.
 */

export interface LiveLineTarget {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

/** Off a terminal, a progress line every this many ms at most: a CI log or a file gets a pulse, not a flood. */
export const PLAIN_LINE_INTERVAL_MS = 5000;

export class LiveLine {
  private drawn = false;
  private lastPlain = -Infinity;

  constructor(private readonly target: LiveLineTarget, private readonly now: () => number = Date.now) {}

  /** Redraw the live line (a terminal) or print it as a plain line when the last one is old enough. */
  update(text: string): void {
    if (this.target.isTTY) {
      // \r and "erase line" redraw in place; the line is left without its newline until it ends.
      this.target.write(`\r\x1b[2K${text}`);
      this.drawn = true;
      return;
    }
    if (this.now() - this.lastPlain < PLAIN_LINE_INTERVAL_MS) return;
    this.lastPlain = this.now();
    this.target.write(`${text}\n`);
  }

  /** Print the line as it stands for good (the last state of a progress bar), whatever the rate limit says. */
  finish(text: string): void {
    if (this.target.isTTY) this.update(text);
    else this.target.write(`${text}\n`);
    this.end();
  }

  /** End the live line (a newline after it) so that other output starts on a line of its own. */
  end(): void {
    if (!this.drawn) return;
    this.drawn = false;
    this.target.write('\n');
  }
}

/** The process's live line on stderr. */
export const stderrLiveLine = new LiveLine(process.stderr);

/** Call before writing anything else to the terminal. */
export function endLiveLine(): void {
  stderrLiveLine.end();
}
