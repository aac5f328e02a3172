import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator } from 'playwright-core';
import amqp from 'amqplib';
import { runCli } from '../helpers/cli.js';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import { encodeRangeMessage } from '../../src/shared/rangeMessage.js';
import { FleetHarness } from '../fleet/fleetHarness.js';
import { sleepAfterWrites } from '../fleet/faults.js';
import { dashboardUrlOf, eventually } from './helpers.js';

/** Where the screenshot of each run is saved for review (gitignored). */
const ARTIFACTS = 'test-artifacts';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync'];

/**
 * The built-in dashboard in a real browser against a running job: the page follows the job live, the pause
 * button is refused without the operator token and pauses the job with it — as the ledger then says; a dead
 * letter is listed with its reason and purged after a confirmation that names the count.
 */
describe('dashboard in headless Chromium, against a running job', function () {
  this.timeout(180_000);
  const fleet = new FleetHarness();
  const token = randomBytes(24).toString('hex');
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  let dashboardUrl: string;
  let jobId: number;

  before(async () => {
    // Checked first, before any service is set up: without it playwright says only that an executable is missing.
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed (${CHROMIUM} is missing); install it with: apt-get install -y chromium`);
    await fleet.setUp(8000);
    // Every range write sleeps, so the job is still running while the page is watched and paused.
    await sleepAfterWrites(fleet.pool, 0.8, 1_000_000);
    fleet.start(['producer']);
    fleet.start(['consumer', '--prefetch', '1']);
    dashboardUrl = await dashboardUrlOf(fleet.start(['dashboard', '--port', '0'], { DASHBOARD_TOKEN: token }));
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '200', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    userDataDir = await mkdtemp(join(tmpdir(), 'tm-chromium-'));
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await fleet.tearDown();
  });

  it('shows progress moving, refuses pause without the token, pauses with it, and the ledger says paused', async () => {
    context = await chromium.launchPersistentContext(userDataDir as string, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1400, height: 1000 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (message) => {
      // The refused pause below is a 401 on purpose; the browser logs every failed request.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${dashboardUrl}/`);
    await page.locator('#live.on').waitFor();

    const row = page.locator(`#jobs tbody tr[data-job-id="${jobId}"]`);
    await row.waitFor();
    const bar = row.locator('.bar');
    const first = await eventually(async () => positive(await progressOf(bar)), 'progress above 0 in the page');
    const later = await eventually(async () => {
      const now = await progressOf(bar);
      return now > first ? now : undefined;
    }, 'progress to move in the page');
    expect(later).to.be.above(first).and.below(1);
    expect(await row.locator('.state').textContent()).to.equal('running');
    expect(Number(await page.locator('#chart-rate').getAttribute('data-points'))).to.be.greaterThan(0);
    expect(await page.locator('#chart-rate canvas').count()).to.equal(1);
    expect(await page.locator('#consumers tbody tr').count()).to.equal(1);

    // No token typed in: the server refuses and the page says why; the job keeps running.
    await row.locator('button[data-action="pause"]').click();
    await page.locator('#notice.error', { hasText: 'token is required' }).waitFor();
    expect(await fleet.jobState(jobId)).to.equal('running');

    await page.fill('#token', token);
    await row.locator('button[data-action="pause"]').click();
    await fleet.waitFor(async () => (await fleet.jobState(jobId)) === 'paused', `job ${jobId} paused in backfill_jobs`, 15_000);
    await row.locator('.state', { hasText: 'paused' }).waitFor();
    expect(await row.locator('button[data-action="pause"]').isDisabled()).to.equal(true);
    expect(await row.locator('button[data-action="resume"]').isEnabled()).to.equal(true);
    const { rows } = await fleet.pool.query<{ actor: string }>(
      `SELECT actor FROM backfill_job_events WHERE job_id = $1 AND to_state = 'paused'`, [jobId]);
    expect(rows.map((r) => r.actor)).to.deep.equal(['dashboard 127.0.0.1']);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-paused.png'), fullPage: true });
    expect(problems).to.deep.equal([]);
  });

  it('lists a dead letter with its reason and purges it after a confirmation naming the count', async () => {
    const page = (context as BrowserContext).pages()[0]!;
    const connection = await amqp.connect(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      channel.sendToQueue(fleet.names.deadQueue, encodeRangeMessage({ v: 1, jobId, rangeId: 999_999, startId: 1, endId: 2 }),
        { persistent: true, headers: { 'x-attempt': 3, 'x-reason': 'browser test reason' } });
      const listed = page.locator('#dead-letters tbody tr', { hasText: 'browser test reason' });
      // The panel reads every 10 s; a change of its filter reads at once (the server's 5 s cache aside).
      await eventually(async () => {
        await page.locator('#dlq-job').dispatchEvent('change');
        return (await listed.count()) === 1 || undefined;
      }, 'the dead letter listed in the page');
      expect(await listed.locator('td').first().textContent()).to.equal(`#${jobId}`);
      const questions: string[] = [];
      page.once('dialog', (dialog) => {
        questions.push(dialog.message());
        void dialog.accept();
      });
      await page.locator('#dlq-purge').click();
      await page.locator('#notice', { hasText: 'purged 1 dead letter(s)' }).waitFor();
      expect(questions).to.have.length(1);
      expect(questions[0]).to.match(/^Delete 1 dead letter\(s\) of every job\?/);
      expect((await channel.checkQueue(fleet.names.deadQueue)).messageCount).to.equal(0);
      await page.locator('#no-dead-letters').waitFor();
    } finally {
      await connection.close();
    }
  });
});

async function progressOf(bar: Locator): Promise<number> {
  return Number(await bar.getAttribute('data-progress'));
}

function positive(value: number): number | undefined {
  return value > 0 ? value : undefined;
}
