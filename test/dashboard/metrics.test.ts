import { expect } from 'chai';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from '../fleet/fleetHarness.js';
import { dashboardUrlOf, eventually, freePort, scrape, sumOf } from './helpers.js';

/** A real fleet (producer, consumer, dashboard as child processes) watched through its HTTP endpoints. */
describe('fleet metrics, health and the dashboard API (real processes and services)', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  const token = randomBytes(24).toString('hex');
  let producerUrl: string;
  let consumerUrl: string;
  let dashboardUrl: string;
  let jobId: number;
  let before1: Awaited<ReturnType<typeof scrape>>;

  before(async () => {
    await fleet.setUp(5000);
    const [producerPort, consumerPort] = [await freePort(), await freePort()];
    producerUrl = `http://127.0.0.1:${producerPort}`;
    consumerUrl = `http://127.0.0.1:${consumerPort}`;
    fleet.start(['producer'], { METRICS_PORT: String(producerPort) });
    fleet.start(['consumer', '--prefetch', '2'], { METRICS_PORT: String(consumerPort) });
    dashboardUrl = await dashboardUrlOf(fleet.start(['dashboard', '--port', '0'], { DASHBOARD_TOKEN: token }));
    before1 = await eventually(() => scrape(consumerUrl), 'the consumer to serve /metrics');
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '400', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
  });

  after(() => fleet.tearDown());

  it("a consumer's counters move with its work and agree with the ledger", async () => {
    const job_id = String(jobId);
    expect(sumOf(before1, 'backfill_tracks_total', { job_id })).to.equal(0);
    const { rows } = await fleet.pool.query<{ ranges: number; converted: number; failed: number; skipped: number }>(
      `SELECT count(*)::int AS ranges, sum(converted)::int AS converted, sum(failed)::int AS failed, sum(skipped)::int AS skipped
         FROM backfill_ranges WHERE job_id = $1 AND state = 'done'`, [jobId]);
    const ledger = rows[0]!;
    const after = await scrape(consumerUrl);
    expect(sumOf(after, 'backfill_tracks_total', { job_id, outcome: 'converted' })).to.equal(ledger.converted).and.greaterThan(0);
    expect(sumOf(after, 'backfill_tracks_total', { job_id, outcome: 'failed' })).to.equal(ledger.failed);
    expect(sumOf(after, 'backfill_tracks_total', { job_id, outcome: 'skipped' })).to.equal(ledger.skipped);
    expect(sumOf(after, 'backfill_ranges_total', { job_id, outcome: 'done' })).to.equal(ledger.ranges);
    expect(sumOf(after, 'backfill_range_duration_seconds_count', { job_id })).to.equal(ledger.ranges);
    expect(sumOf(after, 'backfill_range_duration_seconds_bucket', { job_id, le: '+Inf' })).to.equal(ledger.ranges);
    for (const phase of ['read', 'convert', 'write', 'commit', 'ack']) {
      expect(sumOf(after, 'backfill_range_phase_seconds_count', { phase }), phase).to.equal(ledger.ranges);
    }
    // The report follows the ack (the job can be completed a moment before the last report is timed).
    await eventually(async () => sumOf(await scrape(consumerUrl), 'backfill_range_phase_seconds_count', { phase: 'report' }) === ledger.ranges || undefined,
      'every range to have its report timed', 10_000);
    expect(sumOf(after, 'backfill_ranges_in_flight')).to.equal(0);
    expect(sumOf(after, 'process_resident_memory_bytes')).to.be.greaterThan(0);
    expect(after.some((s) => 'range_id' in s.labels)).to.equal(false);
  });

  it("the producer's gauges show the fleet: job state, progress, queue depth, consumers", async () => {
    const job_id = String(jobId);
    const samples = await eventually(async () => {
      const s = await scrape(producerUrl);
      return sumOf(s, 'backfill_job_state', { job_id, state: 'completed' }) === 1 ? s : undefined;
    }, 'the producer to sample the completed job', 20_000);
    expect(sumOf(samples, 'backfill_job_progress_ratio', { job_id })).to.equal(1);
    expect(sumOf(samples, 'backfill_job_eta_seconds', { job_id })).to.equal(0);
    expect(sumOf(samples, 'backfill_job_ranges', { job_id, state: 'pending' })).to.equal(0);
    expect(sumOf(samples, 'backfill_job_tracks', { job_id, outcome: 'converted' })).to.be.greaterThan(0);
    expect(sumOf(samples, 'backfill_queue_messages', { queue: 'work', state: 'ready' })).to.equal(0);
    expect(sumOf(samples, 'backfill_queue_messages', { queue: 'dead', state: 'ready' })).to.equal(0);
    expect(sumOf(samples, 'backfill_queue_consumers')).to.equal(1);
    expect(sumOf(samples, 'backfill_consumers', { state: 'alive' })).to.equal(1);
    expect(samples.filter((s) => s.name === 'backfill_job_state' && s.labels.job_id === job_id)).to.have.length(1);
  });

  it('/healthz and /readyz of producer, consumer and dashboard answer 200 with their checks', async () => {
    for (const url of [producerUrl, consumerUrl, dashboardUrl]) {
      const health = await fetch(`${url}/healthz`);
      expect(health.status, url).to.equal(200);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status, url).to.equal(200);
      const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
      expect(body.checks.postgresql?.ok, url).to.equal(true);
      expect(body.checks.redis?.ok, url).to.equal(true);
    }
    const consumerReady = (await (await fetch(`${consumerUrl}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(consumerReady.checks.rabbitmq?.ok).to.equal(true);
  });

  it('the dashboard API serves the job and refuses pause / resume / cancel without the token (401)', async () => {
    type State = {
      view: { jobs: { jobId: number; state: string; progress: number; errors: { code: string; count: number }[] }[]; actionsEnabled: boolean };
      history: { t: number; rate: number }[];
    };
    // The dashboard samples every 2 s: the job's end in the ledger reaches its view by the next sample.
    const state = await eventually(async () => {
      const body = (await (await fetch(`${dashboardUrl}/api/state`)).json()) as State;
      return body.view.jobs.some((j) => j.jobId === jobId && j.state === 'completed') ? body : undefined;
    }, 'the dashboard to show the job completed', 10_000);
    const job = state.view.jobs.find((j) => j.jobId === jobId);
    expect(job?.state).to.equal('completed');
    expect(job?.progress).to.equal(1);
    expect(job?.errors.map((e) => e.code)).to.include('invalid_json');
    expect(state.view.actionsEnabled).to.equal(true);
    expect(state.history.length).to.be.greaterThan(0);

    for (const action of ['pause', 'resume', 'cancel']) {
      const none = await fetch(`${dashboardUrl}/api/jobs/${jobId}/${action}`, { method: 'POST' });
      expect(none.status, action).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.match(/^Bearer/);
      const wrong = await fetch(`${dashboardUrl}/api/jobs/${jobId}/${action}`, { method: 'POST', headers: { Authorization: `Bearer ${token}0` } });
      expect(wrong.status, action).to.equal(401);
    }
    expect((await fetch(`${dashboardUrl}/api/jobs/${jobId}/pause`)).status, 'GET is not an action').to.equal(405);
    // With the token, a finished job cannot be paused: refused with the reason, nothing changes.
    const refused = await fetch(`${dashboardUrl}/api/jobs/${jobId}/pause`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(refused.status).to.equal(409);
    expect(((await refused.json()) as { error: string }).error).to.match(/is completed/);
    const missing = await fetch(`${dashboardUrl}/api/jobs/999999/pause`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(missing.status).to.equal(404);
    expect(await fleet.jobState(jobId)).to.equal('completed');

    const metrics = await scrape(dashboardUrl);
    expect(sumOf(metrics, 'backfill_dashboard_actions_total', { result: 'unauthorized' })).to.equal(6);
    expect(sumOf(metrics, 'backfill_dashboard_actions_total', { action: 'pause', result: 'refused' })).to.equal(2);
  });

  it('a dashboard started without DASHBOARD_TOKEN is read-only (403)', async () => {
    const readOnly = await dashboardUrlOf(fleet.start(['dashboard', '--port', '0'], { DASHBOARD_TOKEN: '' }));
    const res = await fetch(`${readOnly}/api/jobs/${jobId}/pause`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).to.equal(403);
    expect(((await res.json()) as { error: string }).error).to.match(/DASHBOARD_TOKEN/);
  });

  it('the page streams updates as server-sent events', async () => {
    const events = await readEventStream(`${dashboardUrl}/api/events`, 2);
    expect(events[0]?.event).to.equal('history');
    expect(events[1]?.event).to.equal('state');
    const update = JSON.parse(events[1]?.data ?? '{}') as { view: { jobs: { jobId: number }[] } };
    expect(update.view.jobs.map((j) => j.jobId)).to.include(jobId);
  });
});

/** Read the first `count` events of an SSE stream, then hang up. */
function readEventStream(url: string, count: number): Promise<{ event: string; data: string }[]> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      expect(res.headers['content-type']).to.match(/^text\/event-stream/);
      let buffer = '';
      const events: { event: string; data: string }[] = [];
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data });
          if (events.length >= count) {
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
    });
    req.on('error', (err) => (err.message.includes('aborted') ? undefined : reject(err)));
    req.setTimeout(15_000, () => req.destroy(new Error('no events within 15 s')));
    req.end();
  });
}
