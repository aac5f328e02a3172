import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * Loaded with `NODE_OPTIONS=--import <this file>` into the fleet's children when the bench runs with
 * `--cpu-prof DIR` (the demo's FleetProcesses spawns with no exec arguments of ours, and `--cpu-prof` in
 * NODE_OPTIONS would profile from the first instruction). V8's sampling profiler starts on SIGUSR2, which the
 * bench sends just before it enqueues the job — so start-up (module loading is a second of CPU) is not in the profile —
 * and a `.cpuprofile` is written on exit (open it in Chrome DevTools, or summarise it with
 * `node dist/tools/bench/profileSummary.js DIR`). A session on the same thread answers synchronously,
 * which is what lets the 'exit' handler write it.
 */
const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let started = false;
  process.on('SIGUSR2', () => {
    if (started) return;
    started = true;
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 500 });
    session.post('Profiler.start');
  });
  process.on('exit', () => {
    if (!started) return;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      const role = process.argv[2] ?? 'node';
      writeFileSync(join(dir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
