import { expect } from 'chai';
import fc from 'fast-check';
import { ConsumerCapacity, consumersWanted, consumersWantedForJob, type JobDemand } from '../../src/operations/status/consumersWanted.js';
import { JOB_STATES, WORKING_JOB_STATES } from '../../src/shared/ledger/states.js';
import { Registry } from 'prom-client';
import { applySnapshot } from '../../src/operations/status/fleetGauges.js';
import type { FleetSnapshot } from '../../src/operations/status/fleetSampler.js';
import type { JobStatus } from '../../src/operations/status/jobStatus.js';
import { FleetMetrics } from '../../src/shared/metrics/registry.js';
import { loadConfig } from '../../src/shared/config.js';

const running = (over: Partial<JobDemand> = {}): JobDemand => ({ state: 'running', openRanges: 100, throttleRate: null, perConsumerCapacity: null, ...over });

const demand = fc.record({
  state: fc.constantFrom(...JOB_STATES),
  openRanges: fc.nat({ max: 1_000_000 }),
  throttleRate: fc.option(fc.nat({ max: 100_000 }), { nil: null }),
  perConsumerCapacity: fc.option(fc.double({ min: 0.001, max: 100_000, noNaN: true }), { nil: null }),
});
const rangesPerConsumer = fc.integer({ min: 1, max: 1000 });

describe('consumers wanted (the autoscaler\'s metric)', () => {
  it('is ceil(open ranges / ranges per consumer) for an unthrottled running job, at least 1', () => {
    expect(consumersWantedForJob(running({ openRanges: 100 }), 10)).to.equal(10);
    expect(consumersWantedForJob(running({ openRanges: 101 }), 10)).to.equal(11);
    expect(consumersWantedForJob(running({ openRanges: 0 }), 10), 'ranges in a retry queue, planning behind').to.equal(1);
    expect(consumersWantedForJob(running({ state: 'enumerating', openRanges: 35 }), 10)).to.equal(4);
  });

  it('is 0 for a paused, queued, cancelling or finished job, and for a held one', () => {
    for (const state of ['paused', 'queued', 'cancelling', 'completed', 'failed', 'cancelled']) {
      expect(consumersWantedForJob(running({ state }), 10), state).to.equal(0);
    }
    expect(consumersWantedForJob(running({ throttleRate: 0, perConsumerCapacity: 50 }), 10), 'held').to.equal(0);
  });

  it('asks no more than the throttle rate needs, 1 until a consumer\'s capacity is measured', () => {
    expect(consumersWantedForJob(running({ throttleRate: 500, perConsumerCapacity: 100 }), 10)).to.equal(5);
    expect(consumersWantedForJob(running({ throttleRate: 501, perConsumerCapacity: 100 }), 10)).to.equal(6);
    expect(consumersWantedForJob(running({ throttleRate: 10, perConsumerCapacity: 100 }), 10)).to.equal(1);
    expect(consumersWantedForJob(running({ throttleRate: 500, perConsumerCapacity: null }), 10)).to.equal(1);
    expect(consumersWantedForJob(running({ openRanges: 20, throttleRate: 5000, perConsumerCapacity: 100 }), 10), 'the work is less').to.equal(2);
  });

  it('adds up the jobs that run side by side', () => {
    expect(consumersWanted([running({ openRanges: 30 }), running({ openRanges: 5 }), running({ state: 'paused' })], 10)).to.equal(4);
    expect(consumersWanted([], 10)).to.equal(0);
  });

  it('property: 0 whenever no job works unheld; pausing or holding a job never raises the count', () => {
    fc.assert(fc.property(fc.array(demand, { maxLength: 6 }), rangesPerConsumer, (jobs, per) => {
      const wanted = consumersWanted(jobs, per);
      expect(Number.isInteger(wanted) && wanted >= 0).to.equal(true);
      const working = jobs.filter((j) => (WORKING_JOB_STATES as readonly string[]).includes(j.state) && j.throttleRate !== 0);
      expect(wanted === 0).to.equal(working.length === 0);
      for (const [i, job] of jobs.entries()) {
        const paused = jobs.map((j, k) => (k === i ? { ...j, state: 'paused' } : j));
        const held = jobs.map((j, k) => (k === i ? { ...j, throttleRate: 0 } : j));
        expect(consumersWanted(paused, per)).to.be.at.most(wanted).and.to.equal(wanted - consumersWantedForJob(job, per));
        expect(consumersWanted(held, per)).to.be.at.most(wanted);
      }
    }));
  });

  it('property: a throttle never asks for more than no throttle; more open ranges never ask for fewer', () => {
    fc.assert(fc.property(demand, rangesPerConsumer, fc.nat({ max: 1000 }), (job, per, more) => {
      const unthrottled = consumersWantedForJob({ ...job, throttleRate: null }, per);
      expect(consumersWantedForJob(job, per)).to.be.at.most(unthrottled);
      expect(consumersWantedForJob({ ...job, openRanges: job.openRanges + more }, per)).to.be.at.least(consumersWantedForJob(job, per));
      if (unthrottled > 0) expect(unthrottled).to.equal(Math.max(1, Math.ceil(job.openRanges / per)));
    }));
  });
});

describe('consumer capacity (the best rate per consumer seen)', () => {
  it('keeps the peak per job, ignores samples without consumers or rate, forgets jobs no longer shown', () => {
    const capacity = new ConsumerCapacity();
    expect(capacity.of(1)).to.equal(null);
    capacity.observe(1, 400, 4);
    capacity.observe(1, 100, 4); // throttled: the share, not the capacity
    capacity.observe(1, 900, 0);
    capacity.observe(2, 0, 3);
    expect(capacity.of(1)).to.equal(100);
    expect(capacity.of(2)).to.equal(null);
    capacity.keepOnly([2]);
    expect(capacity.of(1)).to.equal(null);
  });
});

describe('AUTOSCALE_RANGES_PER_CONSUMER', () => {
  it('is 10 by default, a whole number of at least 1, named when wrong', () => {
    expect(loadConfig({}).AUTOSCALE_RANGES_PER_CONSUMER).to.equal(10);
    expect(loadConfig({ AUTOSCALE_RANGES_PER_CONSUMER: '3' }).AUTOSCALE_RANGES_PER_CONSUMER).to.equal(3);
    for (const bad of ['0', '-1', '2.5', 'many']) expect(() => loadConfig({ AUTOSCALE_RANGES_PER_CONSUMER: bad }), bad).to.throw(/AUTOSCALE_RANGES_PER_CONSUMER/);
  });
});

describe('the producer\'s gauge backfill_consumers_wanted (applySnapshot)', () => {
  const job = (jobId: number, state: string, pending: number, rate: number | null, ratePerSecond: number) => ({
    jobId, state, finishedAt: null, progress: 0, etaSeconds: null, ratePerSecond, tracks: { converted: 0, failed: 0, skipped: 0 },
    ranges: { total: pending, done: 0, failed: 0, pending, enumerationComplete: true }, throttle: { rate },
  }) as unknown as JobStatus;
  const snapshot = (jobs: JobStatus[], alive: number): FleetSnapshot => ({
    at: '2026-01-01T00:00:00.000Z', queue: null, jobs,
    consumers: Array.from({ length: alive }, (_, i) => ({ consumerId: `c${i}`, host: 'h', pid: i, alive: true, rangesDone: 0, currentRanges: [], startedAt: '', lastSeen: null })),
  });
  const wantedIn = async (registry: Registry) => ((await registry.getSingleMetric('backfill_consumers_wanted')?.get())?.values[0]?.value);

  it('is AUTOSCALE_RANGES_PER_CONSUMER\'s default rule without options, and 0 for a paused job', async () => {
    const registry = new Registry();
    const metrics = new FleetMetrics(registry);
    const per = loadConfig({}).AUTOSCALE_RANGES_PER_CONSUMER;
    applySnapshot(metrics, snapshot([job(1, 'running', per * 3, null, 0), job(2, 'paused', 500, null, 0)], 0));
    expect(await wantedIn(registry)).to.equal(3);
    applySnapshot(metrics, snapshot([job(1, 'paused', per * 3, null, 0)], 0));
    expect(await wantedIn(registry)).to.equal(0);
  });

  it('remembers the best rate per consumer across samples, so a throttle that binds lowers the count', async () => {
    const registry = new Registry();
    const metrics = new FleetMetrics(registry);
    const scaling = { rangesPerConsumer: 10, capacity: new ConsumerCapacity() };
    applySnapshot(metrics, snapshot([job(1, 'running', 200, null, 1000)], 10), Infinity, scaling); // 100 tracks/s each
    expect(await wantedIn(registry)).to.equal(20);
    // Throttled to 300: the fleet's rate falls to the budget, 30 per consumer; the remembered 100 still counts.
    applySnapshot(metrics, snapshot([job(1, 'running', 200, 300, 300)], 10), Infinity, scaling);
    expect(await wantedIn(registry)).to.equal(3);
    applySnapshot(metrics, snapshot([job(1, 'running', 200, 0, 0)], 3), Infinity, scaling);
    expect(await wantedIn(registry), 'held').to.equal(0);
  });
});
