import { expect } from 'chai';
import pg from 'pg';
import { ADMIN_DATABASE_URL } from '../helpers/isolation.js';
import { TcpProxy } from '../helpers/tcpProxy.js';
import { pause } from '../helpers/waitFor.js';

/** The fault tests' proxy really cuts and stalls: checked against the real PostgreSQL. */
describe('TcpProxy (test helper)', function () {
  this.timeout(30_000);
  const target = new URL(ADMIN_DATABASE_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  before(() => proxy.start());
  after(() => proxy.stop());

  it('forwards, cuts (errors, refuses) and restores', async () => {
    const url = proxy.urlFor(ADMIN_DATABASE_URL);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).to.equal(1);
    proxy.cut();
    const failed = await client.query('SELECT 1').then(() => 'answered', (err: unknown) => String(err));
    expect(failed).to.not.equal('answered');
    const refused = await new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 }).connect().then(() => 'connected', () => 'refused');
    expect(refused).to.equal('refused');
    proxy.restore();
    const again = new pg.Client({ connectionString: url });
    await again.connect();
    expect((await again.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).to.equal(1);
    await again.end();
  });

  it('stalls without closing, then delivers what was held', async () => {
    const client = new pg.Client({ connectionString: proxy.urlFor(ADMIN_DATABASE_URL) });
    await client.connect();
    proxy.stall();
    let answered = false;
    const query = client.query('SELECT 2 AS two').then((r) => { answered = true; return r.rows[0] as { two: number }; });
    // A window in which the answer must NOT arrive: the time passing is the point, there is no condition to poll.
    await pause(500);
    expect(answered).to.equal(false);
    proxy.restore();
    expect((await query).two).to.equal(2);
    await client.end();
  });
});
