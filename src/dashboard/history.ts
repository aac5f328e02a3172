import type { FleetSnapshot } from '../operations/status/fleetSampler.js';
import { WORKING_JOB_STATES } from '../shared/ledger/states.js';

/** A fixed-size ring: the newest `capacity` items, oldest first. Constant memory however long it runs. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive whole number');
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  toArray(): T[] {
    const start = (this.next - this.size + this.capacity) % this.capacity;
    return Array.from({ length: this.size }, (_, i) => this.items[(start + i) % this.capacity] as T);
  }

  get length(): number {
    return this.size;
  }
}

/** One point of the dashboard's charts: fleet throughput and queue depth at a moment. */
export interface HistoryPoint {
  /** Unix time in ms. */
  t: number;
  /** Tracks per second over all jobs that are running (the coordinator's one-minute rate). */
  rate: number;
  /** The same rate of each working job, by job id (the chart of one job's window draws its own). */
  jobs: Record<string, number>;
  ready: number | null;
  unacked: number | null;
  retrying: number | null;
  dead: number | null;
}

export function pointOf(snapshot: FleetSnapshot): HistoryPoint {
  const working = snapshot.jobs.filter((j) => (WORKING_JOB_STATES as readonly string[]).includes(j.state));
  const rate = working.reduce((sum, j) => sum + j.ratePerSecond, 0);
  const jobs = Object.fromEntries(working.map((j) => [String(j.jobId), j.ratePerSecond]));
  const q = snapshot.queue;
  return { t: Date.parse(snapshot.at), rate, jobs, ready: q?.ready ?? null, unacked: q?.unacked ?? null, retrying: q?.retrying ?? null, dead: q?.deadLetter ?? null };
}
