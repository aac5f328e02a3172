import pg from 'pg';

/** Statements sent to PostgreSQL during a stretch of code, and the rows they returned, by statement text. */
export class StatementCounter {
  constructor(private readonly counts = new Map<string, number>(), private rows = 0) {}

  add(text: string, rows: number): void {
    this.counts.set(text, (this.counts.get(text) ?? 0) + 1);
    this.rows += rows;
  }

  get statements(): number {
    return [...this.counts.values()].reduce((n, c) => n + c, 0);
  }

  plus(other: StatementCounter): StatementCounter {
    const counts = new Map(this.counts);
    for (const [text, n] of other.counts) counts.set(text, (counts.get(text) ?? 0) + n);
    return new StatementCounter(counts, this.rows + other.rows);
  }

  scaled(factor: number): StatementCounter {
    return new StatementCounter(new Map([...this.counts].map(([t, n]) => [t, n * factor])), this.rows * factor);
  }

  summary(): string {
    return `${format(this.statements)} statements, ${format(this.rows)} rows returned`;
  }

  /** Most frequent first. */
  byStatement(): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1]);
  }
}

function format(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * Run `work` with every pg client's `query` counted (the pool's clients are pg.Client instances, so a
 * query through the pool and one on a checked-out client are both seen, once). Not reentrant.
 */
export async function countStatements(_pool: pg.Pool, work: () => Promise<void>): Promise<StatementCounter> {
  const counter = new StatementCounter();
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function counted(this: unknown, ...args: unknown[]) {
    const config = args[0];
    const text = shorten(typeof config === 'string' ? config : (config as { text?: string } | null)?.text ?? '?');
    const rowsOf = (r: unknown) => (Array.isArray((r as { rows?: unknown[] } | undefined)?.rows) ? (r as { rows: unknown[] }).rows.length : 0);
    // pool.query passes a callback; a checked-out client's query returns a promise.
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, r: unknown) => {
        counter.add(text, rowsOf(r));
        return (callback as (e: unknown, r: unknown) => unknown)(err, r);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      return result.then((r: unknown) => {
        counter.add(text, rowsOf(r));
        return r;
      });
    }
    counter.add(text, 0);
    return result;
  };
  try {
    await work();
  } finally {
    proto.query = original;
  }
  return counter;
}

/** First words of a statement, whitespace folded: enough to tell the statements apart in the printout. */
function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? `${flat.slice(0, 107)}...` : flat;
}
