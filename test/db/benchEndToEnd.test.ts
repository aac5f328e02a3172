import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { compareRuns } from '../../tools/bench/endToEnd/linearity.js';
import type { EndToEndReport } from '../../tools/bench/endToEnd/report.js';
import { rateSeries, summarizeRates, summarizeRss, type ProgressSample } from '../../tools/bench/endToEnd/series.js';
import { runScript, type CliResult } from '../helpers/cli.js';
import { ADMIN_DATABASE_URL, dropDatabase, TEST_RABBITMQ_URL, TEST_REDIS_URL, testEnv, uniqueName } from '../helpers/isolation.js';

/** Tests run from dist/test/db/, the bench from dist/tools/bench/endToEnd/. */
const BENCH = fileURLToPath(new URL('../../tools/bench/endToEnd/main.js', import.meta.url));
const COMPARE = fileURLToPath(new URL('../../tools/bench/endToEnd/compare.js', import.meta.url));

type Run = CliResult;

/** A bench entry point with this test's services. */
function runNode(script: string, args: string[]): Promise<Run> {
  return runScript(script, args, { env: testEnv({ DATABASE_URL: ADMIN_DATABASE_URL, RABBITMQ_URL: TEST_RABBITMQ_URL, REDIS_URL: TEST_REDIS_URL }) });
}

/** Readings every second of a job converting `rate` tracks/s for `seconds` s. */
function steady(rate: number, seconds: number): ProgressSample[] {
  return Array.from({ length: seconds + 1 }, (_, s) => ({ seconds: s, converted: rate * s }));
}

describe('bench:e2e: the rate series and the linearity judgement', () => {
  it('turns readings into per-interval rates, skipping a reading that did not move the clock', () => {
    const series = rateSeries([{ seconds: 0, converted: 0 }, { seconds: 2, converted: 100 }, { seconds: 2, converted: 100 }, { seconds: 2.5, converted: 150 }]);
    expect(series).to.deep.equal([{ from: 0, to: 2, tracksPerSecond: 50 }, { from: 2, to: 2.5, tracksPerSecond: 100 }]);
  });

  it('judges only the middle 80 % of the job: a slow start and a trickling end do not count', () => {
    const samples: ProgressSample[] = [{ seconds: 0, converted: 0 }];
    // 20 s: 1 s of start-up at 10/s, 18 s at 1,000/s, the last second at 10/s.
    for (let s = 1; s <= 20; s++) {
      const prev = samples.at(-1) as ProgressSample;
      samples.push({ seconds: s, converted: prev.converted + (s === 1 || s === 20 ? 10 : 1000) });
    }
    const summary = summarizeRates(rateSeries(samples), 20);
    expect(summary).to.include({ intervals: 16, min: 1000, median: 1000, max: 1000, spreadPercent: 0, trendPercent: 0 });
  });

  it('shows a slowdown as a negative trend and the spread of single intervals', () => {
    // 10 intervals of 10 s: 1,000/s falling by 50/s each interval.
    const samples: ProgressSample[] = [{ seconds: 0, converted: 0 }];
    for (let i = 1; i <= 10; i++) samples.push({ seconds: i * 10, converted: (samples.at(-1) as ProgressSample).converted + (1050 - i * 50) * 10 });
    const summary = summarizeRates(rateSeries(samples), 100);
    // Midpoints 15 … 85 s lie in 10 … 90 s: intervals 2 … 9, rates 950 … 600; halves' medians 875 and 675.
    expect(summary).to.include({ intervals: 8, min: 600, max: 950, median: 775, spreadPercent: Math.round((350 / 775) * 100) });
    expect(summary?.trendPercent).to.equal(Math.round((675 / 875 - 1) * 100));
    expect(summarizeRates(rateSeries(steady(100, 10)), 10)).to.include({ spreadPercent: 0, trendPercent: 0 });
  });

  it('has no summary when no interval lies in the middle of the job', () => {
    expect(summarizeRates([], 3)).to.equal(null);
    expect(summarizeRates(rateSeries([{ seconds: 0, converted: 0 }, { seconds: 0.1, converted: 5 }]), 10)).to.equal(null);
  });

  it('sums up a memory series: a plateau, and a leak as a rising end', () => {
    expect(summarizeRss([80, 120, 121, 120, 122])).to.deep.equal({ startMb: 80, middleMb: 121, endMb: 122, maxMb: 122 });
    expect(summarizeRss([80, 100, 140, 180, 220])).to.include({ middleMb: 140, endMb: 220 });
    expect(summarizeRss([])).to.equal(null);
  });

  it('compares two runs phase by phase: time ratio against the tracks ratio', () => {
    const a = { tracks: 1_000_000, phases: [
      { phase: 'seed', seconds: 20, walBytes: 1000 }, { phase: 'migrate', seconds: 10, walBytes: 0 },
      { phase: 'backfill', seconds: 30, walBytes: 5000 }, { phase: 'verify', seconds: 4, walBytes: 10 }] };
    const b = { tracks: 10_000_000, phases: [
      { phase: 'seed', seconds: 210, walBytes: 10_000 }, { phase: 'migrate', seconds: 150, walBytes: 5 },
      { phase: 'backfill', seconds: 300, walBytes: 52_000 }, { phase: 'build-indexes', seconds: 60, walBytes: 1 },
      { phase: 'verify', seconds: 30, walBytes: 100 }] };
    const result = compareRuns(a, b);
    expect(result.tracksRatio).to.equal(10);
    expect(result.phases.map((p) => [p.phase, p.timeRatio, p.perTrackRatio, p.walRatio, p.verdict])).to.deep.equal([
      ['seed', 10.5, 1.05, 10, 'linear'],
      ['migrate', 15, 1.5, null, 'worse than linear'],
      ['backfill', 10, 1, 10.4, 'linear'],
      ['verify', 7.5, 0.75, 10, 'better than linear'],
    ]);
  });
});

describe('bench:e2e: a whole upgrade at a tiny size, as a child process', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'tm-bench-e2e-'));
  const databases = [uniqueName('tm_e2e'), uniqueName('tm_e2e_defer')];
  const outputs = [join(dir, 'plain.json'), join(dir, 'deferred.json')];

  after(async () => {
    for (const name of databases) await dropDatabase(name);
    rmSync(dir, { recursive: true, force: true });
  });

  async function bench(index: 0 | 1, extra: string[]): Promise<{ run: Run; report: EndToEndReport }> {
    const run = await runNode(BENCH, ['--tracks', '3000', '--consumers', '1', '--sample-seconds', '1',
      '--database', databases[index] as string, '--json-out', outputs[index] as string, ...extra]);
    expect(run.code, run.stderr).to.equal(0);
    return { run, report: JSON.parse(readFileSync(outputs[index] as string, 'utf8')) as EndToEndReport };
  }

  async function databaseExists(name: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await client.connect();
    try {
      return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    } finally {
      await client.end();
    }
  }

  it('times every phase, converts every track with legacy data, passes db verify and drops its database', async () => {
    const { run, report } = await bench(0, []);
    expect(report.phases.map((p) => p.phase)).to.deep.equal(['seed', 'migrate', 'backfill', 'verify']);
    for (const phase of report.phases) {
      expect(phase.seconds, phase.phase).to.be.greaterThan(0);
      expect(phase.walBytes, phase.phase).to.be.at.least(0);
      expect(phase.otherRowWrites, phase.phase).to.be.at.least(0);
      expect(phase.databaseBytes, phase.phase).to.be.greaterThan(0);
    }
    expect(report.phases.find((p) => p.phase === 'seed')?.walBytes).to.be.greaterThan(0);
    expect(report.seed).to.include({ tracks: 3000, withData: 2940 });
    expect(report.migrated[0]).to.match(/^AnalysisFields/);
    const b = report.backfill;
    expect(b.state).to.equal('completed');
    // Every track with legacy data is converted or recorded as a row error; the seed's bad blobs are about 3 %.
    expect(b.metrics.tracks.converted + b.metrics.tracks.failed).to.equal(report.seed.withData);
    expect(b.metrics.tracks.converted).to.be.greaterThan(2800);
    expect(b.samples[0]?.converted).to.equal(0);
    // The last reading is the job's end: its finished_at (µs) against the fleet's seconds (ms, from JavaScript Dates).
    expect(b.samples.at(-1)?.converted).to.equal(b.metrics.tracks.converted);
    expect(b.samples.at(-1)?.seconds).to.be.closeTo(b.seconds, 0.02);
    expect(b.rateSeries.length).to.be.greaterThan(0);
    const consumer = b.processes.find((p) => p.name === 'consumer-1');
    expect(consumer?.peakRssMb).to.be.greaterThan(0);
    expect(consumer?.rssSeriesMb.length).to.be.greaterThan(0);
    expect(report.verify.counts.FAIL).to.equal(0);
    expect(report.verify.counts.PASS).to.be.greaterThan(0);
    expect(run.stdout).to.match(/^phase +seconds +WAL MB +checkpoints +other DBs' row writes +database MB after$/m).and.match(/^backfill: job \d+ completed/m);
    expect(run.stderr).to.contain('seed: 3000/3000 tracks');
    expect(await databaseExists(databases[0] as string)).to.equal(false);
  });

  it('with --defer-indexes times the index build as its own phase, and db verify then has no WARN', async () => {
    const { report } = await bench(1, ['--defer-indexes', '--keep-database']);
    expect(report.phases.map((p) => p.phase)).to.deep.equal(['seed', 'migrate', 'backfill', 'build-indexes', 'verify']);
    expect(report.phases.every((p) => p.seconds > 0)).to.equal(true);
    expect(report.builtIndexes?.length).to.be.greaterThan(0);
    expect(report.verify.counts).to.include({ FAIL: 0, WARN: 0 });
    expect(await databaseExists(databases[1] as string)).to.equal(true);
  });

  it('compare.js prints each phase\'s time ratio against the tracks ratio of two results', async () => {
    const run = await runNode(COMPARE, outputs);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain('1× the tracks');
    expect(run.stdout).to.match(/^backfill +\d/m);
    // The second run's build-indexes phase has no counterpart in the first: left out.
    expect(run.stdout).not.to.contain('build-indexes');
    const bad = await runNode(COMPARE, [outputs[0] as string, join(dir, 'missing.json')]);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.contain('not a readable JSON file');
  });
});
