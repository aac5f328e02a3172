import { expect } from 'chai';
import { CLIENT_RULES_JS } from '../../src/dashboard/assets/clientRules.js';
import { CLIENT_JS } from '../../src/dashboard/assets/client.js';
import { statesForBrowser } from '../../src/shared/ledger/states.js';

interface Job {
  jobId: number; state: string; etaSeconds: number | null; finishedAt: string | null; createdAt?: string; startedAt?: string | null;
  ranges: { total: number; done: number; failed?: number }; throttle?: { rate: number | null } | null; eta?: unknown;
}
interface Rules {
  etaText(job: Job): string;
  activeJob(jobs: Job[], selectedJobId: number | null): Job | null;
  allows(action: string, state: string): boolean;
  buttonAllowed(action: string, job: Job): boolean;
  doneShare(job: Job): number;
  timeWindow(choice: string, job: Job | null, now: number): [number, number];
}

/** The browser script's rules, evaluated as the browser would (plain script, no module). */
function rules(): Rules {
  return new Function(`${CLIENT_RULES_JS}; return { etaText: etaText, activeJob: activeJob, allows: allows, buttonAllowed: buttonAllowed,
    doneShare: doneShare, timeWindow: timeWindow };`)() as Rules;
}

const job = (jobId: number, state: string, extra: Partial<Job> = {}): Job =>
  ({ jobId, state, etaSeconds: 0, finishedAt: '2026-01-01T10:00:00.000Z', ranges: { total: 0, done: 0 }, ...extra });

describe('the dashboard\'s browser rules', () => {
  it('take the state lists from the ledger\'s state machine', () => {
    expect(CLIENT_JS).to.include(CLIENT_RULES_JS);
    expect(CLIENT_RULES_JS).to.include(statesForBrowser());
  });

  it('a job that is over says its outcome and end time in UTC, never "done" or "0s"', () => {
    expect(rules().etaText(job(3, 'finalized'))).to.equal('completed 10:00 UTC');
    expect(rules().etaText(job(5, 'failed'))).to.equal('failed 10:00 UTC');
    expect(rules().etaText(job(4, 'running', { etaSeconds: 65, finishedAt: null }))).to.equal('1m 5s');
  });

  it('the ETA cell reads the status\'s eta object when there is one, and says the same from etaSeconds when not', () => {
    const r = rules();
    const running = (eta: unknown, extra: Partial<Job> = {}) => job(6, 'running', { finishedAt: null, etaSeconds: 999, eta, ...extra });
    expect(r.etaText(running({ kind: 'eta', seconds: 250 }))).to.equal('4m 10s');
    expect(r.etaText(running({ kind: 'estimating', seconds: null }))).to.equal('estimating…');
    expect(r.etaText(running({ kind: 'paused', seconds: null }))).to.equal('paused');
    expect(r.etaText(running({ kind: 'held', seconds: null }))).to.equal('held by throttle');
    expect(r.etaText(job(6, 'failed', { eta: { kind: 'ended', outcome: 'failed', endedAt: '2026-01-01T12:34:56.000Z' } }))).to.equal('failed 12:34 UTC');
    // Without the eta object (an older server): the same words from the state, the throttle and etaSeconds.
    expect(r.etaText(job(7, 'paused', { finishedAt: null, etaSeconds: 30 }))).to.equal('paused');
    expect(r.etaText(job(7, 'running', { finishedAt: null, etaSeconds: 30, throttle: { rate: 0 } }))).to.equal('held by throttle');
    expect(r.etaText(job(7, 'running', { finishedAt: null, etaSeconds: null }))).to.equal('estimating…');
  });

  it('Retry failed is enabled on a failed job that has failed ranges; Resume lost only where ranges may still run', () => {
    const r = rules();
    expect(r.buttonAllowed('retry-failed', job(8, 'failed', { ranges: { total: 4, done: 3, failed: 1 } }))).to.equal(true);
    expect(r.buttonAllowed('retry-failed', job(8, 'completed', { ranges: { total: 4, done: 4, failed: 0 } }))).to.equal(false);
    expect(r.buttonAllowed('retry-failed', job(8, 'cancelled', { ranges: { total: 4, done: 3, failed: 1 } }))).to.equal(false);
    expect(r.buttonAllowed('resume-lost', job(8, 'running'))).to.equal(true);
    expect(r.buttonAllowed('resume-lost', job(8, 'failed'))).to.equal(false);
  });

  it('the charts\' window follows the job from its start to its end, at least a minute wide; the picker\'s windows end now', () => {
    const r = rules();
    const now = Date.parse('2026-01-01T12:00:00.000Z');
    const started = '2026-01-01T11:50:00.000Z';
    const running = job(9, 'running', { finishedAt: null, startedAt: started, createdAt: '2026-01-01T11:49:00.000Z' });
    expect(r.timeWindow('job', running, now)).to.deep.equal([Date.parse(started), now]);
    const ended = job(9, 'completed', { startedAt: started, finishedAt: '2026-01-01T11:55:00.000Z' });
    expect(r.timeWindow('job', ended, now)).to.deep.equal([Date.parse(started), Date.parse('2026-01-01T11:55:00.000Z')]);
    const justStarted = job(9, 'running', { finishedAt: null, startedAt: '2026-01-01T11:59:50.000Z' });
    expect(r.timeWindow('job', justStarted, now)).to.deep.equal([now - 10_000, now + 50_000]);
    expect(r.timeWindow('15m', running, now)).to.deep.equal([now - 15 * 60_000, now]);
    expect(r.timeWindow('6h', null, now)).to.deep.equal([now - 6 * 3600_000, now]);
  });

  it('a finalized job is never picked as the active job', () => {
    const jobs = [job(9, 'finalized'), job(8, 'paused', { finishedAt: null }), job(7, 'completed')];
    expect(rules().activeJob(jobs, null)?.jobId).to.equal(8);
    expect(rules().activeJob([job(9, 'finalized'), job(7, 'rolled_back')], null)?.jobId, 'all over: the newest').to.equal(9);
    expect(rules().activeJob(jobs, 7)?.jobId, 'the operator\'s pick').to.equal(7);
  });

  it('a finalized job with no range shows full progress, and no button is enabled on it', () => {
    expect(rules().doneShare(job(9, 'finalized'))).to.equal(1);
    for (const action of ['pause', 'resume', 'cancel']) expect(rules().allows(action, 'finalized'), action).to.equal(false);
    expect(rules().allows('resume', 'paused')).to.equal(true);
  });
});
