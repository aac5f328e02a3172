import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnvironment } from '../../src/shared/config.js';
import type { SeedShape } from './benchDatabase.js';
import { readProcessMemory } from './procStats.js';

const WORKER = fileURLToPath(new URL('./bareNodeWorker.js', import.meta.url));

export interface BareNodeRun {
  processes: number;
  ranges: number;
  converted: number;
  failed: number;
  skipped: number;
  /** First worker's start (after its connection is open) to the last one's end. */
  seconds: number;
  peakRssMb: (number | null)[];
}

interface WorkerTotals {
  startedAt: number; finishedAt: number; ranges: number; converted: number; failed: number; skipped: number;
}

/**
 * A bare Node process per core (the benchmark table): what converting in JavaScript and writing with the
 * fleet's SQL costs without RabbitMQ, Redis and the ledger. The gap between this and the fleet is the
 * price of the fleet's machinery.
 */
export async function runBareNode(databaseUrl: string, shape: SeedShape, processes: number, rangeSize: number,
  analysisVersion: string): Promise<BareNodeRun> {
  // Ids have gaps: size the id span so a range holds about `rangeSize` rows, like the producer's ranges.
  const idsPerRange = Math.max(1, Math.round((rangeSize * (shape.maxId - shape.minId + 1)) / Math.max(1, shape.tracks)));
  const runs = Array.from({ length: processes }, (_, index) =>
    runWorker([index, processes, shape.minId, shape.maxId, idsPerRange].map(String).concat(analysisVersion), databaseUrl));
  const results = await Promise.all(runs);
  const totals = results.map((r) => r.totals);
  return {
    processes,
    ranges: sum(totals.map((t) => t.ranges)),
    converted: sum(totals.map((t) => t.converted)),
    failed: sum(totals.map((t) => t.failed)),
    skipped: sum(totals.map((t) => t.skipped)),
    seconds: (Math.max(...totals.map((t) => t.finishedAt)) - Math.min(...totals.map((t) => t.startedAt))) / 1000,
    peakRssMb: results.map((r) => r.peakRssMb),
  };
}

function runWorker(args: string[], databaseUrl: string): Promise<{ totals: WorkerTotals; peakRssMb: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], {
      env: childEnvironment({ BENCH_DATABASE_URL: databaseUrl }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    let peakRssMb: number | null = null;
    // VmHWM is gone once the process has exited: poll it while it runs.
    const poll = setInterval(() => {
      if (child.pid !== undefined) peakRssMb = readProcessMemory(child.pid)?.peakRssMb ?? peakRssMb;
    }, 200);
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`bare-node worker exited with ${code}`));
      try {
        resolve({ totals: JSON.parse(output) as WorkerTotals, peakRssMb: peakRssMb === null ? null : Math.round(peakRssMb * 10) / 10 });
      } catch {
        reject(new Error(`bare-node worker printed no result: ${output.slice(0, 200)}`));
      }
    });
  });
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
