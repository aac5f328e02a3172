import { FleetProcesses } from '../../src/demo/fleetProcesses.js';
import { freePorts } from './fleetPhases.js';

/**
 * The bench's producer and consumers: the demo's FleetProcesses, one per child, because each child needs
 * an environment of its own — its METRICS_PORT, so the bench can scrape every consumer's /metrics.
 */
export class BenchFleet {
  private constructor(private readonly groups: FleetProcesses[], readonly consumerMetricsPorts: number[]) {}

  static async start(env: Record<string, string>, consumers: number): Promise<BenchFleet> {
    const [producerPort, ...consumerPorts] = await freePorts(consumers + 1);
    const producer = new FleetProcesses({ ...env, METRICS_PORT: String(producerPort) });
    producer.start('producer', ['producer']);
    const groups = [producer];
    consumerPorts.forEach((port, i) => {
      const consumer = new FleetProcesses({ ...env, METRICS_PORT: String(port) });
      consumer.start(`consumer-${i + 1}`, ['consumer']);
      groups.push(consumer);
    });
    return new BenchFleet(groups, consumerPorts);
  }

  pids(): Record<string, number | undefined> {
    return Object.assign({}, ...this.groups.map((g) => g.pids())) as Record<string, number | undefined>;
  }

  /** SIGTERM every child (they drain) and wait for all; the exit code of each, by name. */
  async stop(): Promise<Record<string, number | null>> {
    const codes = await Promise.all(this.groups.map((g) => g.stop()));
    return Object.assign({}, ...codes) as Record<string, number | null>;
  }
}
