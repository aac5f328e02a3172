import { expect } from 'chai';
import { Registry } from 'prom-client';
import { applySnapshot } from '../../src/operations/status/fleetGauges.js';
import type { FleetSnapshot } from '../../src/operations/status/fleetSampler.js';
import type { JobStatus } from '../../src/operations/status/jobStatus.js';
import { loadConfig } from '../../src/shared/config.js';
import { pino } from 'pino';
import { FinishedJobSweep, finishedBeyondTtl, type JobEndLookup } from '../../src/shared/metrics/finishedJobs.js';
import { DEAD_LETTER_REASONS, JobSeries, RANGE_OUTCOMES } from '../../src/shared/metrics/jobSeries.js';
import { rangeObserver } from '../../src/shared/metrics/rangeObserver.js';
import { ConsumerMetrics, FleetMetrics } from '../../src/shared/metrics/registry.js';
import { parseSamples, type Sample } from '../dashboard/helpers.js';

/** Per-job metric series: made at 0 before their first count, dropped METRICS_FINISHED_JOB_TTL after the job ended. */

const samplesOf = async (registry: Registry): Promise<Sample[]> => parseSamples(await registry.metrics());
const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const silent = pino({ level: 'silent' });

describe('per-job metric series', () => {
  it('a consumer exports dead-letter reasons at 0 from the start, and a known job\'s counters at 0 before any event', async () => {
    const registry = new Registry();
    const jobs = new JobSeries(new ConsumerMetrics(registry));
    for (const reason of DEAD_LETTER_REASONS) {
      expect(find(await samplesOf(registry), 'backfill_dead_lettered_messages_total', { reason }).map((s) => s.value), reason).to.deep.equal([0]);
    }
    jobs.know(4);
    const samples = await samplesOf(registry);
    expect(find(samples, 'backfill_range_retries_total', { job_id: '4' }).map((s) => s.value)).to.deep.equal([0]);
    for (const outcome of RANGE_OUTCOMES) expect(find(samples, 'backfill_ranges_total', { job_id: '4', outcome }).map((s) => s.value), outcome).to.deep.equal([0]);
    expect(find(samples, 'backfill_tracks_total', { job_id: '4', outcome: 'failed' }).map((s) => s.value)).to.deep.equal([0]);
  });

  it('the first event of a job the consumer did not know still finds its other counters at 0', async () => {
    const registry = new Registry();
    const observer = rangeObserver(new ConsumerMetrics(registry));
    observer.handled(9, { kind: 'done', converted: 5, failed: 0, skipped: 0 }, 1);
    const samples = await samplesOf(registry);
    expect(find(samples, 'backfill_range_retries_total', { job_id: '9' }).map((s) => s.value)).to.deep.equal([0]);
    expect(find(samples, 'backfill_ranges_total', { job_id: '9', outcome: 'failed' }).map((s) => s.value)).to.deep.equal([0]);
    expect(find(samples, 'backfill_ranges_total', { job_id: '9', outcome: 'done' }).map((s) => s.value)).to.deep.equal([1]);
  });

  it('the sweep drops a finished job\'s series after the TTL, keeps a running or recently finished job\'s', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const registry = new Registry();
    const jobs = new JobSeries(new ConsumerMetrics(registry), () => now);
    for (const id of [1, 2, 3, 4]) jobs.know(id);
    const ends: Record<number, { state: string; finishedAt: Date | null }> = {
      1: { state: 'completed', finishedAt: new Date(now - 1000) }, // finished long before the sweep below
      2: { state: 'running', finishedAt: null },
      3: { state: 'failed', finishedAt: new Date(now + 55_000) }, // finished 5 s before the sweep below
    }; // 4: no longer in the ledger (reset)
    const lookup: JobEndLookup = async (jobId) => ends[jobId];
    const sweep = new FinishedJobSweep(jobs, lookup, 30, silent, () => now);
    now += 10_000;
    expect(await sweep.once(), 'nothing idle for the TTL yet').to.deep.equal([]);
    now += 50_000;
    expect(await sweep.once()).to.deep.equal([1, 4]);
    const samples = await samplesOf(registry);
    expect(samples.filter((s) => s.labels.job_id === '1' || s.labels.job_id === '4')).to.deep.equal([]);
    expect(find(samples, 'backfill_range_retries_total', { job_id: '2' })).to.have.length(1);
    expect(find(samples, 'backfill_range_retries_total', { job_id: '3' })).to.have.length(1);
    now += 30_000;
    expect(await sweep.once(), 'job 3 once its TTL has passed').to.deep.equal([3]);
  });

  it('the producer leaves a job finished longer than the TTL out of its gauges', async () => {
    const registry = new Registry();
    const metrics = new FleetMetrics(registry);
    const at = '2026-01-01T01:00:00.000Z';
    const job = (jobId: number, state: string, finishedAt: string | null) => ({
      jobId, state, finishedAt, progress: 1, etaSeconds: null, ratePerSecond: 0, tracks: { converted: 1, failed: 0, skipped: 0 },
      ranges: { total: 1, done: 1, failed: 0, pending: 0, enumerationComplete: true }, throttle: { rate: null },
    }) as unknown as JobStatus;
    const snapshot = { at, queue: null, consumers: [], jobs: [
      job(1, 'completed', '2026-01-01T00:00:00.000Z'), job(2, 'completed', '2026-01-01T00:59:00.000Z'), job(3, 'running', null),
    ] } as FleetSnapshot;
    applySnapshot(metrics, snapshot, 600);
    const shown = new Set((await samplesOf(registry)).filter((s) => s.name === 'backfill_job_state').map((s) => s.labels.job_id));
    expect([...shown].sort()).to.deep.equal(['2', '3']);
    applySnapshot(metrics, snapshot);
    expect(find(await samplesOf(registry), 'backfill_job_state', { job_id: '1' }), 'no TTL: kept').to.have.length(1);
  });

  it('finishedBeyondTtl: only final states, from their end', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    expect(finishedBeyondTtl({ state: 'completed', finishedAt: '2026-01-01T00:00:00Z' }, 600, now)).to.equal(true);
    expect(finishedBeyondTtl({ state: 'completed', finishedAt: '2026-01-01T00:00:01Z' }, 600, now)).to.equal(false);
    expect(finishedBeyondTtl({ state: 'paused', finishedAt: null }, 1, now)).to.equal(false);
  });

  it('METRICS_FINISHED_JOB_TTL: seconds or a unit, one hour by default, bounded', () => {
    expect(loadConfig({}).METRICS_FINISHED_JOB_TTL).to.equal(3600);
    expect(loadConfig({ METRICS_FINISHED_JOB_TTL: '90' }).METRICS_FINISHED_JOB_TTL).to.equal(90);
    expect(loadConfig({ METRICS_FINISHED_JOB_TTL: '15m' }).METRICS_FINISHED_JOB_TTL).to.equal(900);
    expect(loadConfig({ METRICS_FINISHED_JOB_TTL: '2d' }).METRICS_FINISHED_JOB_TTL).to.equal(172_800);
    for (const bad of ['0', '1.5h', 'soon', '31d']) expect(() => loadConfig({ METRICS_FINISHED_JOB_TTL: bad }), bad).to.throw(/METRICS_FINISHED_JOB_TTL/);
  });
});
