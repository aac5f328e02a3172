import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatTable } from '../../src/cli/output.js';

/**
 * Summarise the V8 CPU profiles `npm run bench -- --cpu-prof DIR` wrote: where each process's CPU time
 * went, by area (PostgreSQL driver, conversion, RabbitMQ, Redis, GC, idle …) and by function (self time).
 * Usage: node dist/tools/bench/profileSummary.js DIR [TOP]   (TOP functions per profile, default 15)
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Areas by the file a function lives in; the first match wins. */
const AREAS: [string, RegExp][] = [
  ['PostgreSQL driver (pg, pg-protocol)', /node_modules\/(pg|pg-protocol|pg-types|pg-pool|postgres-\w+)\//],
  ['RabbitMQ (amqplib)', /node_modules\/amqplib\//],
  ['Redis (ioredis, bullmq)', /node_modules\/(ioredis|bullmq|@ioredis|redis-\w+)\//],
  ['logging (pino)', /node_modules\/(pino|sonic-boom|thread-stream)/],
  ['zod', /node_modules\/zod\//],
  ['conversion (src/shared/conversion)', /\/src\/shared\/conversion\//],
  ['consumer (src/consumers)', /\/src\/consumers\//],
  ['producer (src/producer)', /\/src\/producer\//],
  ['other of ours (src/)', /\/dist\/src\//],
  ['other node_modules', /node_modules\//],
  ['Node internals', /^node:/],
];

function areaOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (!url) {
    if (['(garbage collector)', '(idle)', '(program)', '(root)'].includes(functionName)) return functionName;
    return `native: ${functionName || '(anonymous)'}`;
  }
  return AREAS.find(([, pattern]) => pattern.test(url))?.[0] ?? 'other';
}

/** Self time in ms of every node of the profile. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  profile.samples.forEach((id, i) => times.set(id, (times.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  return times;
}

function summarise(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfTimes(profile)) {
    const node = byId.get(id);
    if (!node) continue;
    total += ms;
    const area = areaOf(node);
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
  }
  const busy = total - (byArea.get('(idle)') ?? 0);
  const rows = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, ms]) => [k, Math.round(ms), `${((ms / total) * 100).toFixed(1)} %`, k === '(idle)' ? '-' : `${((ms / busy) * 100).toFixed(1)} %`]);
  return [
    `${basename(path)}: ${Math.round(total)} ms profiled, ${Math.round(busy)} ms not idle`,
    formatTable(['area', 'self ms', 'of all', 'of busy'], rows(byArea, 20)),
    '',
    formatTable(['function (self time)', 'self ms', 'of all', 'of busy'], rows(byFunction, top)),
  ].join('\n');
}

const [dir, topArg] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node dist/tools/bench/profileSummary.js DIR [TOP]\n');
  process.exitCode = 64;
} else {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  if (files.length === 0) process.stderr.write(`no .cpuprofile files in ${dir}\n`);
  for (const file of files) process.stdout.write(`${summarise(join(dir, file), Number(topArg ?? 15))}\n\n`);
}
