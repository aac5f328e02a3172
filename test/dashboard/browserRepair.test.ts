import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from '../fleet/fleetHarness.js';
import { sleepAfterWrites } from '../fleet/faults.js';
import { TOOL_VERSION } from '../../src/shared/version.js';
import { dashboardUrlOf } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync'];
/** A throttled job with a failed range at 1024 px (gitignored; docs/dashboard.png is a copy of one). */
const ARTIFACTS = 'test-artifacts';
const SCREENSHOT = join(ARTIFACTS, 'dashboard-failed-range.png');
const TIMEOUT_MESSAGE = 'canceling statement due to statement timeout';
/** A track with analysis data near the job's start: the range that holds it fails until the fault is removed. */
const FAILING_TRACK = 550;

/**
 * Every write of a range holding a track listed in test_fail_tracks fails as a statement timeout (SQLSTATE
 * 57014: retried, then the range fails with that reason), until the test deletes the row — the fix.
 */
async function failRangesHolding(pool: pg.Pool, trackId: number): Promise<void> {
  await pool.query(`
    CREATE TABLE test_fail_tracks (track_id bigint PRIMARY KEY);
    CREATE FUNCTION test_fail_tracks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_rows JOIN test_fail_tracks USING (track_id)) THEN
        RAISE EXCEPTION '${TIMEOUT_MESSAGE}' USING ERRCODE = '57014';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER test_fail_tracks AFTER INSERT ON analysis_history REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION test_fail_tracks();`);
  await pool.query('INSERT INTO test_fail_tracks VALUES ($1)', [trackId]);
}

/**
 * The dashboard at 1024 px against a throttled job one of whose ranges fails on a statement timeout: the
 * header names the fleet, the charts follow the job, the failed range is listed with its last error, and the
 * Retry-failed button (visible, enabled on the failed job) brings the range back to done.
 */
describe('dashboard in headless Chromium: a failed range, its reason and Retry failed', function () {
  this.timeout(240_000);
  const fleet = new FleetHarness();
  const token = randomBytes(24).toString('hex');
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  let dashboardUrl: string;
  let jobId: number;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed (${CHROMIUM} is missing); install it with: apt-get install -y chromium`);
    // One attempt per range: the range fails at its first try, early, and the throttled job runs on after it.
    fleet.extraEnv = { BACKFILL_MAX_ATTEMPTS: '1' };
    await fleet.setUp(10000);
    await failRangesHolding(fleet.pool, FAILING_TRACK);
    // Slow range writes: the job is still running, throttled, while its range fails and the page is looked at.
    await sleepAfterWrites(fleet.pool, 0.3, 1_000_000);
    fleet.start(['producer']);
    fleet.start(['consumer', '--prefetch', '1']);
    dashboardUrl = await dashboardUrlOf(fleet.start(['dashboard', '--port', '0'], { DASHBOARD_TOKEN: token }));
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '200', '--json'], { env: fleet.env() });
    expect(enqueued.code, enqueued.stderr).to.equal(0);
    jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    const throttled = await runCli(['backfill', 'throttle', String(jobId), '--max-rate', '200'], { env: fleet.env() });
    expect(throttled.code, throttled.stderr).to.equal(0);
    userDataDir = await mkdtemp(join(tmpdir(), 'tm-chromium-'));
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await fleet.tearDown();
  });

  it('shows the fleet, the job window, the failed range with its last error, and Retry failed brings it back', async () => {
    context = await chromium.launchPersistentContext(userDataDir as string, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1024, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    await page.goto(`${dashboardUrl}/`);
    await page.locator('#live.on').waitFor();

    // The header says which fleet and database this is, and never a credential.
    const identity = await page.locator('#identity').textContent() ?? '';
    expect(identity).to.include(`namespace ${fleet.namespace}`).and.include(new URL(fleet.db.url).pathname.slice(1))
      .and.include('127.0.0.1:5432').and.include(`v${TOOL_VERSION}`);
    expect(identity).not.to.include('postgres@');

    const row = page.locator(`#jobs tbody tr[data-job-id="${jobId}"]`);
    await row.waitFor();
    await row.click();
    // The range holding FAILING_TRACK fails on its statement timeout while the throttled job runs on.
    const failedRow = page.locator('#failed-ranges tbody tr');
    await failedRow.first().waitFor({ timeout: 90_000 });
    const ledger = await failedRangesOf(fleet.pool, jobId);
    expect(ledger).to.have.length(1);
    const failed = ledger[0] as FailedRange;
    expect(failed.last_error).to.include(TIMEOUT_MESSAGE);
    const cells = await failedRow.first().locator('td').allTextContents();
    expect(cells[0]).to.equal(`#${failed.range_id}`);
    expect(cells[1]).to.equal(`${failed.start_id.toLocaleString('en-US')} – ${failed.end_id.toLocaleString('en-US')}`);
    expect(Number(cells[2])).to.equal(failed.attempts).and.to.equal(1);
    expect(cells[3]).to.equal(failed.last_error);
    expect(await fleet.jobState(jobId)).to.equal('running');
    expect(await row.locator('.col-throttle').textContent()).to.match(/200 \/s/);

    // The charts follow the job: from its start, with points in it; then the picker's 15 minutes.
    await expectJobWindow(page, fleet.pool, jobId);
    await page.locator('#window-picker button[data-window="15m"]').click();
    const start15 = Date.parse(await page.locator('#chart-rate').getAttribute('data-window-start') ?? '');
    expect(Math.abs(Date.now() - 15 * 60_000 - start15)).to.be.below(10_000);
    await page.locator('#window-picker button[data-window="job"]').click();

    // At 1024 px every button of the job's row is in view, none covered by anything else.
    for (const action of ['pause', 'resume', 'cancel', 'retry-failed', 'resume-lost']) {
      await expectInView(page, row.locator(`button[data-action="${action}"]`), action);
    }
    await page.waitForTimeout(2500);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Let the job end: failed, for its one failed range. Retry stays enabled on it.
    expect(await runCli(['backfill', 'throttle', String(jobId), '--clear'], { env: fleet.env() })).to.include({ code: 0 });
    expect(await fleet.waitForJobEnd(jobId)).to.equal('failed');
    await row.locator('.state', { hasText: 'failed' }).waitFor();
    const retry = row.locator('button[data-action="retry-failed"]');
    expect(await retry.isEnabled()).to.equal(true);
    expect(await row.locator('.col-eta').textContent()).to.match(/^failed \d\d:\d\d UTC$/);

    // The fault is fixed; Retry failed with the token publishes the range again and it is converted.
    await fleet.pool.query('DELETE FROM test_fail_tracks');
    await page.fill('#token', token);
    await retry.click();
    await page.locator('#notice', { hasText: '1 failed range(s) published again' }).waitFor();
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    const { rows } = await fleet.pool.query<{ state: string }>('SELECT state FROM backfill_ranges WHERE job_id = $1 AND range_id = $2', [jobId, failed.range_id]);
    expect(rows[0]?.state).to.equal('done');
    await page.locator('#no-failed:not([hidden])').waitFor();
    await page.locator('#job-history tbody tr', { hasText: 'retry-failed' }).waitFor();
    const retried = await page.locator('#job-history tbody tr', { hasText: 'retry-failed' }).first().locator('td').allTextContents();
    expect(retried.slice(1, 3)).to.deep.equal(['failed → running', 'dashboard 127.0.0.1']);
    expect(problems).to.deep.equal([]);
  });
});

interface FailedRange { range_id: number; start_id: number; end_id: number; attempts: number; last_error: string }

async function failedRangesOf(pool: pg.Pool, jobId: number): Promise<FailedRange[]> {
  const { rows } = await pool.query<FailedRange>(
    `SELECT range_id::int, start_id::int, end_id::int, attempts::int, last_error FROM backfill_ranges WHERE job_id = $1 AND state = 'failed'`, [jobId]);
  return rows;
}

/** The 'job' window starts at the job's start in the ledger and holds chart points. */
async function expectJobWindow(page: Page, pool: pg.Pool, jobId: number): Promise<void> {
  const { rows } = await pool.query<{ started: Date }>('SELECT started_at AS started FROM backfill_jobs WHERE id = $1', [jobId]);
  const chart = page.locator('#chart-rate');
  expect(await chart.getAttribute('data-window-start')).to.equal((rows[0]?.started as Date).toISOString());
  expect(Number(await chart.getAttribute('data-points'))).to.be.above(0);
  expect(await chart.locator('.empty').isVisible()).to.equal(false);
  expect(await page.locator('#window-label').textContent()).to.include(`job #${jobId}, from its start`);
}

async function expectInView(page: Page, button: Locator, what: string): Promise<void> {
  const box = await button.boundingBox();
  const viewport = page.viewportSize();
  expect(box, what).not.to.equal(null);
  if (!box || !viewport) return;
  expect(box.x, what).to.be.at.least(0);
  expect(box.x + box.width, `${what}: right edge within ${viewport.width} px`).to.be.at.most(viewport.width);
  const topmost = await button.evaluate((node) => {
    const r = node.getBoundingClientRect();
    return node.ownerDocument.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === node;
  });
  expect(topmost, `${what}: nothing covers it`).to.equal(true);
}
