import { expect } from 'chai';
import { CLIENT_RULES_JS } from '../../src/dashboard/assets/clientRules.js';
import { CLIENT_JS } from '../../src/dashboard/assets/client.js';
import { statesForBrowser } from '../../src/shared/ledger/states.js';

interface Job { jobId: number; state: string; etaSeconds: number | null; finishedAt: string | null; ranges: { total: number; done: number } }
interface Rules {
  etaText(job: Job): string;
  activeJob(jobs: Job[], selectedJobId: number | null): Job | null;
  allows(action: string, state: string): boolean;
  doneShare(job: Job): number;
}

/** The browser script's rules, evaluated as the browser would (plain script, no module). */
function rules(): Rules {
  return new Function(`${CLIENT_RULES_JS}; return { etaText: etaText, activeJob: activeJob, allows: allows, doneShare: doneShare };`)() as Rules;
}

const job = (jobId: number, state: string, extra: Partial<Job> = {}): Job =>
  ({ jobId, state, etaSeconds: 0, finishedAt: '2026-01-01T10:00:00.000Z', ranges: { total: 0, done: 0 }, ...extra });

describe('the dashboard\'s browser rules', () => {
  it('take the state lists from the ledger\'s state machine', () => {
    expect(CLIENT_JS).to.include(CLIENT_RULES_JS);
    expect(CLIENT_RULES_JS).to.include(statesForBrowser());
  });

  it('a finalized job is over: its ETA cell says when it ended, not "0s"', () => {
    expect(rules().etaText(job(3, 'finalized'))).to.match(/^done /);
    expect(rules().etaText(job(4, 'running', { etaSeconds: 65, finishedAt: null }))).to.equal('1m 5s');
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
