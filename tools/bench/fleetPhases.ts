import { createServer } from 'node:net';
import { RANGE_PHASES } from '../../src/shared/metrics/rangeObserver.js';

/**
 * The fleet's own phase metrics, scraped from each consumer's /metrics (prom-client, METRICS_PORT) once
 * the job is done: where the consumers' range time went — read, convert, write, commit, ack — and the rest
 * of a range (pool checkout, BEGIN, ledger lock, mark done: the range duration minus the five phases), and
 * the report after the ack (Redis counters, the job's finish check), which overlaps the next range.
 * Figures are sums over all consumers and all ranges, in seconds.
 */
export interface FleetPhases {
  read: number;
  convert: number;
  write: number;
  commit: number;
  ack: number;
  /** After the ack, outside the range's duration. */
  report: number;
  /** backfill_range_duration_seconds minus the five phases within it. */
  otherInRange: number;
  /** backfill_range_duration_seconds: processRange start to ack, summed. */
  ranges: number;
  /** Ranges the phase histograms counted (a check that every consumer was scraped). */
  rangeCount: number;
  /** V8 garbage collection (nodejs_gc_duration_seconds), all consumers. */
  gc: number;
  /** Consumers whose /metrics answered. */
  scraped: number;
}

/** Ports free right now on 127.0.0.1 (the OS picks them; a tiny race with other programs is accepted). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  for (const server of servers) {
    const address = server.address();
    if (address && typeof address === 'object') ports.push(address.port);
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function scrapePhases(ports: number[]): Promise<FleetPhases> {
  const total: FleetPhases = { read: 0, convert: 0, write: 0, commit: 0, ack: 0, report: 0, otherInRange: 0, ranges: 0, rangeCount: 0, gc: 0, scraped: 0 };
  for (const port of ports) {
    const text = await fetchMetrics(port);
    if (text === undefined) continue;
    total.scraped++;
    for (const phase of RANGE_PHASES) {
      total[phase] += sumOf(text, 'backfill_range_phase_seconds_sum', `phase="${phase}"`);
    }
    total.rangeCount += sumOf(text, 'backfill_range_phase_seconds_count', 'phase="read"');
    total.ranges += sumOf(text, 'backfill_range_duration_seconds_sum');
    total.gc += sumOf(text, 'nodejs_gc_duration_seconds_sum');
  }
  total.otherInRange = total.ranges - total.read - total.convert - total.write - total.commit - total.ack;
  for (const key of Object.keys(total) as (keyof FleetPhases)[]) total[key] = Math.round(total[key] * 100) / 100;
  return total;
}

async function fetchMetrics(port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

/** Sum of every sample of `metric` (whatever its labels), or only those whose labels contain `label`. */
function sumOf(text: string, metric: string, label?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const rest = line.slice(metric.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue; // another metric with this one as prefix
    if (label !== undefined && !rest.includes(label)) continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
