import { expect } from 'chai';
import { request } from 'node:http';
import { FleetHarness } from '../fleet/fleetHarness.js';
import { dashboardUrlOf } from './helpers.js';

/** GET with a Host header of our choosing (fetch does not let a page — or us — set it). */
function get(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 reaches the dashboard with
 * `Host: evil.example:PORT` and reads the answers as same-origin. The dashboard answers only to the names it
 * is reached by legitimately: loopback names, IP literals, the address it listens on.
 */
describe('dashboard: the Host header', function () {
  this.timeout(60_000);
  const fleet = new FleetHarness();
  let url = '';
  let port = '';

  before(async () => {
    await fleet.setUp(0);
    url = await dashboardUrlOf(fleet.start(['dashboard', '--port', '0']));
    port = new URL(url).port;
  });
  after(() => fleet.tearDown());

  it('refuses the page, /api/state and /api/events for a name that is not this host (421)', async () => {
    for (const path of ['/', '/api/state', '/api/events', '/app.js']) {
      const answer = await get(`${url}${path}`, `evil.example:${port}`);
      expect(answer.status, path).to.equal(421);
      expect(answer.body, path).to.not.include('"view"');
    }
    expect((await get(`${url}/api/state`, `localhost.evil.example:${port}`)).status).to.equal(421);
  });

  it('answers to loopback names and IP literals', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await get(`${url}/api/state`, host)).status, host).to.equal(200);
    }
  });

  it('leaves /metrics and /healthz to any Host (Prometheus scrapes by service name)', async () => {
    expect((await get(`${url}/metrics`, `dashboard:${port}`)).status).to.equal(200);
    expect((await get(`${url}/healthz`, `dashboard:${port}`)).status).to.equal(200);
  });
});
