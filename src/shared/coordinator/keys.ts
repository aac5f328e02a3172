/** Every Redis key of the coordinator, built in one place from the namespace prefix. */
export class CoordinatorKeys {
  constructor(private readonly prefix: string) {}

  countedRanges(jobId: number): string {
    return `${this.prefix}job:${jobId}:counted`;
  }
  counters(jobId: number): string {
    return `${this.prefix}job:${jobId}:counters`;
  }
  /** Hash: range id → planned rows, for every range of the job the counters know of. */
  plannedRows(jobId: number): string {
    return `${this.prefix}job:${jobId}:planned`;
  }
  /** Present once the counters were built from the ledger (and consumers' reports since): readers trust them. */
  generation(jobId: number): string {
    return `${this.prefix}job:${jobId}:generation`;
  }
  /** Moves on at every reset of the counters; a rebuild checks it did not move while it read the ledger. */
  epoch(jobId: number): string {
    return `${this.prefix}job:${jobId}:epoch`;
  }
  throughputBucket(jobId: number, epochSecond: number): string {
    return `${this.prefix}job:${jobId}:rate:${epochSecond}`;
  }
  recentErrors(jobId: number): string {
    return `${this.prefix}job:${jobId}:errors`;
  }
  /** Hash: the job's fleet-wide rate budget (rate, nextFree) and why (reason, since, cap, health state). */
  throttle(jobId: number): string {
    return `${this.prefix}job:${jobId}:throttle`;
  }
  jobState(jobId: number): string {
    return `${this.prefix}job:${jobId}:state`;
  }
  /** Sorted set: consumer id → time of its last heartbeat (ms). */
  consumers(): string {
    return `${this.prefix}consumers`;
  }
  consumer(consumerId: string): string {
    return `${this.prefix}consumer:${consumerId}`;
  }
  /** Pub/sub channel on which job state changes are announced. */
  stateChannel(): string {
    return `${this.prefix}job-state`;
  }
}
