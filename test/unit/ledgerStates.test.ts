import { expect } from 'chai';
import {
  ACTION_STATES, ACTION_TARGET, FINAL_JOB_STATES, JOB_STATES, JOB_TRANSITIONS, OPERATOR_ACTIONS, PLANNABLE_JOB_STATES, RANGE_STATES,
  INITIAL_JOB_STATE, actionAllowed, actionsAllowed, canTransition, isFinalJobState, sqlState, sqlStateList, statesLeadingTo,
  type JobState, type RangeState,
} from '../../src/shared/ledger/states.js';

describe('the ledger\'s state machine', () => {
  it('knows every job and range state the ledger writes', () => {
    expect(JOB_STATES).to.have.members(['queued', 'enumerating', 'running', 'paused', 'cancelling', 'cancelled', 'completed', 'failed',
      'rolling_back', 'rolled_back', 'finalized']);
    expect(RANGE_STATES).to.have.members(['pending', 'published', 'done', 'failed', 'rolled_back']);
  });

  it('final states: the work is over, and only an operator moves the job on', () => {
    expect(FINAL_JOB_STATES).to.have.members(['completed', 'failed', 'cancelled', 'rolled_back', 'finalized']);
    for (const state of JOB_STATES) expect(isFinalJobState(state), state).to.equal(FINAL_JOB_STATES.includes(state));
    expect(JOB_TRANSITIONS.finalized).to.deep.equal([]);
    expect(JOB_TRANSITIONS.rolled_back).to.deep.equal([]);
    expect(PLANNABLE_JOB_STATES.filter(isFinalJobState), 'a final job is never planned').to.deep.equal([]);
  });

  it('transitions: the fleet\'s moves and the operator\'s, nothing else', () => {
    const allowed: [JobState, JobState][] = [['queued', 'enumerating'], ['enumerating', 'running'], ['running', 'completed'],
      ['running', 'failed'], ['paused', 'running'], ['cancelling', 'cancelled'], ['completed', 'finalized'], ['failed', 'running'],
      ['cancelled', 'rolling_back'], ['rolling_back', 'rolled_back'], ['paused', 'failed'], ['cancelling', 'cancelling']];
    for (const [from, to] of allowed) expect(canTransition(from, to), `${from} → ${to}`).to.equal(true);
    const refused: [JobState, JobState][] = [['queued', 'completed'], ['finalized', 'running'], ['cancelled', 'running'],
      ['rolled_back', 'queued'], ['cancelling', 'running'], ['running', 'running'], ['completed', 'cancelling'], ['failed', 'finalized']];
    for (const [from, to] of refused) expect(canTransition(from, to), `${from} → ${to}`).to.equal(false);
    expect(statesLeadingTo('finalized')).to.deep.equal(['completed']);
    expect(statesLeadingTo(INITIAL_JOB_STATE), 'nothing goes back to queued').to.deep.equal([]);
  });

  it('every state can be reached from the initial one', () => {
    const reached = new Set<JobState>([INITIAL_JOB_STATE]);
    for (let grew = true; grew;) {
      grew = false;
      for (const from of [...reached]) {
        for (const to of JOB_TRANSITIONS[from]) {
          if (!reached.has(to)) {
            reached.add(to);
            grew = true;
          }
        }
      }
    }
    expect([...reached]).to.have.members([...JOB_STATES]);
  });

  it('operator actions per state', () => {
    expect(actionsAllowed('queued')).to.deep.equal(['pause', 'cancel', 'throttle']);
    expect(actionsAllowed('running')).to.deep.equal(['pause', 'cancel', 'retry', 'throttle']);
    expect(actionsAllowed('paused')).to.deep.equal(['resume', 'cancel', 'throttle']);
    expect(actionsAllowed('completed')).to.deep.equal(['retry', 'rollback', 'finalize']);
    expect(actionsAllowed('failed')).to.deep.equal(['retry', 'rollback']);
    expect(actionsAllowed('cancelled')).to.deep.equal(['rollback']);
    expect(actionsAllowed('rolling_back')).to.deep.equal(['rollback']);
    expect(actionsAllowed('finalized')).to.deep.equal(['finalize']);
    expect(actionsAllowed('rolled_back')).to.deep.equal([]);
    expect(actionAllowed('pause', 'paused')).to.equal(false);
  });

  it('an action that moves a job goes only where the transitions allow (or where the job already is)', () => {
    for (const action of OPERATOR_ACTIONS) {
      const target = ACTION_TARGET[action];
      if (target === undefined) continue;
      for (const from of ACTION_STATES[action]) expect(from === target || canTransition(from, target), `${action} from ${from}`).to.equal(true);
    }
  });

  it('writes states into SQL only as known names', () => {
    expect(sqlStateList(['pending', 'published'])).to.equal(`'pending', 'published'`);
    expect(() => sqlState(`x'); DROP TABLE tracks; --` as RangeState)).to.throw(TypeError);
  });
});
