import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import pg from 'pg';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/shared/config.js';
import { checkToken } from '../../src/dashboard/auth.js';
import { RingBuffer } from '../../src/dashboard/history.js';
import { startHttpServer } from '../../src/shared/http/server.js';
import { EventLoopWatch } from '../../src/shared/metrics/eventLoopWatch.js';
import { opsHandler } from '../../src/shared/metrics/opsServer.js';
import { rangeObserver } from '../../src/shared/metrics/rangeObserver.js';
import { connectionsReady } from '../../src/shared/metrics/readiness.js';
import { ConsumerMetrics, DashboardMetrics, FleetMetrics, createRegistry } from '../../src/shared/metrics/registry.js';
import { throttleReasonLabel } from '../../src/operations/status/throttleLabel.js';
import { ADMIN_DATABASE_URL } from '../helpers/isolation.js';
import { waitFor } from '../helpers/waitFor.js';
import { parseSamples, sumOf } from './helpers.js';

describe('metrics and dashboard building blocks', () => {
  describe('the metric definitions', () => {
    const registry = createRegistry('consumer');
    new ConsumerMetrics(registry);
    new FleetMetrics(registry);
    new DashboardMetrics(registry);
    const ours = registry.getMetricsAsArray().filter((m) => m.name.startsWith('backfill_'));

    it('follow Prometheus naming: one prefix, _total counters, base units', () => {
      expect(ours.length).to.be.greaterThan(15);
      for (const m of ours) {
        const type = (m as unknown as { type: string }).type;
        if (type === 'counter') expect(m.name, m.name).to.match(/_total$/);
        else expect(m.name, m.name).not.to.match(/_total$/);
        expect(m.name, m.name).not.to.match(/_(ms|milliseconds|minutes|percent)(_|$)/);
      }
    });

    it('use bounded labels: job_id (never `job`, which Prometheus owns), never a range id', () => {
      for (const m of ours) {
        const labels = (m as unknown as { labelNames: string[] }).labelNames;
        expect(labels, m.name).not.to.include.oneOf(['job', 'range', 'range_id', 'track_id', 'consumer_id']);
      }
    });

    it('include the default process metrics', async () => {
      const text = await registry.metrics();
      expect(text).to.match(/^process_cpu_user_seconds_total /m);
      expect(text).to.match(/^nodejs_eventloop_lag_seconds /m);
      expect(text).to.match(/^backfill_build_info\{role="consumer",version="[^"]+"\} 1$/m);
    });

    it('the range observer counts tracks, ranges, retries and dead letters by job and outcome', async () => {
      const reg = new Registry();
      const observer = rangeObserver(new ConsumerMetrics(reg));
      observer.started();
      observer.handled(7, { kind: 'done', converted: 90, failed: 6, skipped: 4 }, 2.5);
      observer.handled(7, { kind: 'already-done' }, 0.01);
      observer.failed(7, 'retried');
      observer.failed(7, 'failed');
      observer.malformed();
      observer.phase('commit', 12);
      observer.ended();
      const samples = parseSamples(await reg.metrics());
      expect(sumOf(samples, 'backfill_tracks_total', { job_id: '7', outcome: 'converted' })).to.equal(90);
      expect(sumOf(samples, 'backfill_tracks_total', { job_id: '7', outcome: 'failed' })).to.equal(6);
      expect(sumOf(samples, 'backfill_ranges_total', { job_id: '7', outcome: 'already_done' })).to.equal(1);
      expect(sumOf(samples, 'backfill_ranges_total', { job_id: '7', outcome: 'retried' })).to.equal(1);
      expect(sumOf(samples, 'backfill_range_retries_total', { job_id: '7' })).to.equal(1);
      expect(sumOf(samples, 'backfill_dead_lettered_messages_total', { reason: 'attempts_exhausted' })).to.equal(1);
      expect(sumOf(samples, 'backfill_dead_lettered_messages_total', { reason: 'malformed' })).to.equal(1);
      expect(sumOf(samples, 'backfill_range_duration_seconds_count', { job_id: '7' })).to.equal(1);
      expect(sumOf(samples, 'backfill_range_duration_seconds_bucket', { job_id: '7', le: '3' })).to.equal(1);
      expect(sumOf(samples, 'backfill_range_phase_seconds_sum', { phase: 'commit' })).to.be.closeTo(0.012, 1e-9);
      expect(sumOf(samples, 'backfill_ranges_in_flight')).to.equal(0);
    });

    it('throttle reasons become a handful of label values', () => {
      const view = (rate: number | null, reason: string | null) => ({ rate, reason, since: null, operatorCap: null });
      expect(throttleReasonLabel(view(null, null))).to.equal('none');
      expect(throttleReasonLabel(view(250, '3 session(s) waiting for locks on tracks'))).to.equal('lock_waits');
      expect(throttleReasonLabel(view(0, 'replication lag 12.5 s above 10 s'))).to.equal('replication_lag');
      expect(throttleReasonLabel(view(500, 'operator cap 500 tracks/s'))).to.equal('operator_cap');
      expect(throttleReasonLabel(view(500, 'ranges take 4.2× their usual time'))).to.equal('range_duration');
      expect(throttleReasonLabel(view(500, 'something new'))).to.equal('other');
    });
  });

  describe('/metrics, /healthz and /readyz', () => {
    const pools: pg.Pool[] = [];
    after(async () => {
      for (const pool of pools) await pool.end().catch(() => undefined);
    });

    async function serve(pool: pg.Pool) {
      pools.push(pool);
      pool.on('error', () => undefined);
      const registry = createRegistry('producer');
      const watch = new EventLoopWatch();
      const server = await startHttpServer('127.0.0.1', 0, [opsHandler({ registry, ready: connectionsReady({ pool }), watch })], () => undefined);
      return { url: server.url, close: async () => { watch.stop(); await server.close(); } };
    }

    it('serve the metrics, health and readiness of a process whose database answers', async () => {
      const ops = await serve(new pg.Pool({ connectionString: ADMIN_DATABASE_URL, max: 1 }));
      try {
        const metrics = await fetch(`${ops.url}/metrics`);
        expect(metrics.status).to.equal(200);
        expect(metrics.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
        expect(await metrics.text()).to.match(/^backfill_build_info\{role="producer"/m);
        const health = await fetch(`${ops.url}/healthz`);
        expect(health.status).to.equal(200);
        expect(await health.json()).to.include({ status: 'ok', ok: true });
        const ready = await fetch(`${ops.url}/readyz`);
        expect(ready.status).to.equal(200);
        expect(await ready.json()).to.deep.include({ ready: true, checks: { postgresql: { ok: true } } });
        expect((await fetch(`${ops.url}/nothing-here`)).status).to.equal(404);
      } finally {
        await ops.close();
      }
    });

    it('/readyz answers 503 and names the connection while the database does not answer', async () => {
      const ops = await serve(new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1, connectionTimeoutMillis: 1000 }));
      try {
        const ready = await fetch(`${ops.url}/readyz`);
        expect(ready.status).to.equal(503);
        const body = (await ready.json()) as { ready: boolean; checks: { postgresql: { ok: boolean; detail: string } } };
        expect(body.ready).to.equal(false);
        expect(body.checks.postgresql.ok).to.equal(false);
        expect(body.checks.postgresql.detail).to.be.a('string').and.not.equal('');
        // Liveness does not depend on the database: a restart would not bring it back.
        expect((await fetch(`${ops.url}/healthz`)).status).to.equal(200);
      } finally {
        await ops.close();
      }
    });

    it('/healthz fails after the event loop was blocked', async () => {
      const watch = new EventLoopWatch(50, 200);
      try {
        const until = Date.now() + 400;
        while (Date.now() < until) { /* block the loop on purpose */ }
        expect(watch.check().ok).to.equal(false);
        await waitFor(() => watch.check().ok, { what: '/healthz to recover once the loop runs again', timeoutMs: 2_000, intervalMs: 25 });
      } finally {
        watch.stop();
      }
    });
  });

  describe('dashboard pieces', () => {
    it('the ring buffer keeps the newest items, oldest first, in constant space', () => {
      const ring = new RingBuffer<number>(3);
      expect(ring.toArray()).to.deep.equal([]);
      for (let i = 1; i <= 5; i++) ring.push(i);
      expect(ring.toArray()).to.deep.equal([3, 4, 5]);
      expect(ring.length).to.equal(3);
    });

    it('the operator token: bearer header, exact match, and refusal when none is configured', () => {
      const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;
      const token = 'a-long-enough-operator-token';
      expect(checkToken(req(`Bearer ${token}`), token)).to.equal('ok');
      expect(checkToken(req(`bearer ${token}`), token)).to.equal('ok');
      expect(checkToken(req(), token)).to.equal('missing');
      expect(checkToken(req(`Basic ${token}`), token)).to.equal('missing');
      expect(checkToken(req(`Bearer ${token}x`), token)).to.equal('wrong');
      expect(checkToken(req(`Bearer ${token.slice(0, -1)}`), token)).to.equal('wrong');
      expect(checkToken(req(`Bearer ${token}`), undefined)).to.equal('not-configured');
    });

    it('configuration: METRICS_PORT 0 / off / N, loopback defaults, and a token rule that never prints the token', () => {
      const base = loadConfig({});
      expect(base.METRICS_PORT).to.equal(0);
      expect(base.METRICS_HOST).to.equal('127.0.0.1');
      expect(base.DASHBOARD_HOST).to.equal('127.0.0.1');
      expect(base.DASHBOARD_TOKEN).to.equal(undefined);
      expect(loadConfig({ METRICS_PORT: 'off' }).METRICS_PORT).to.equal(null);
      expect(loadConfig({ METRICS_PORT: '9464' }).METRICS_PORT).to.equal(9464);
      expect(() => loadConfig({ METRICS_PORT: '70000' })).to.throw(/METRICS_PORT: must be off or a port number/);
      expect(() => loadConfig({ DASHBOARD_HOST: 'http://x' })).to.throw(/DASHBOARD_HOST/);
      try {
        loadConfig({ DASHBOARD_TOKEN: 'short-secret' });
        expect.fail('a short token must be refused');
      } catch (err) {
        expect(String(err)).to.match(/DASHBOARD_TOKEN: must be at least 16 characters/);
        expect(String(err)).not.to.include('short-secret');
      }
    });
  });
});
