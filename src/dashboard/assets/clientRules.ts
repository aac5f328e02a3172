import { PLANNABLE_JOB_STATES, statesForBrowser } from '../../shared/ledger/states.js';

/**
 * The pure part of the dashboard's browser script: what a job's state means on the page (which jobs are over,
 * what the ETA cell says, which buttons it allows, which job is the active one, the charts' time window).
 * Plain ES2017 put into CLIENT_JS, and runnable on its own (tests evaluate it). The state lists are put in from
 * the ledger's state machine, not copied.
 */
export const CLIENT_RULES_JS = String.raw`
  var STATES = ${statesForBrowser()};
  /** States in which resume-lost may find open ranges to republish. */
  var RESUMABLE = ${JSON.stringify(PLANNABLE_JOB_STATES)};
  /** The shortest "job" window: a job that just started is not drawn as a spike across the whole chart. */
  var MIN_WINDOW_MS = 60 * 1000;
  var WINDOWS = { '15m': 15 * 60 * 1000, '1h': 3600 * 1000, '6h': 6 * 3600 * 1000 };
  function isFinal(state) { return STATES.final.indexOf(state) >= 0; }
  function succeeded(state) { return STATES.succeeded.indexOf(state) >= 0; }
  function allows(action, state) { return (STATES.can[action] || []).indexOf(state) >= 0; }
  /** Whether a job's button is usable: the page's two repairs have rules of their own. */
  function buttonAllowed(action, job) {
    if (action === 'retry-failed') return allows('retry', job.state) && job.ranges.failed > 0;
    if (action === 'resume-lost') return RESUMABLE.indexOf(job.state) >= 0;
    return allows(action, job.state);
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return 'unknown';
    var s = Math.max(0, Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + r + 's';
  }
  function clock(iso) { return iso ? new Date(iso).toLocaleTimeString('en-GB') : '–'; }
  /** "12:34 UTC": the ETA cell and the job's times are in UTC, like the logs and the ledger. */
  function utcClock(iso) { return iso ? new Date(iso).toISOString().slice(11, 16) + ' UTC' : '–'; }
  /** What a job that is over ended as: finalized follows completed and keeps its end time. */
  function outcomeOf(state) { return state === 'finalized' ? 'completed' : state; }
  /**
   * The ETA cell. The status's eta object when the server sends one ({kind, seconds, endedAt, outcome});
   * from an older server, the same words from etaSeconds, the state and the throttle.
   */
  function etaText(job) {
    var eta = job.eta;
    if (eta && typeof eta === 'object' && typeof eta.kind === 'string') {
      if (eta.kind === 'eta') return duration(eta.seconds);
      if (eta.kind === 'estimating') return 'estimating…';
      if (eta.kind === 'paused') return 'paused';
      if (eta.kind === 'held') return 'held by throttle';
      if (eta.kind === 'ended') return outcomeOf(eta.outcome || job.state) + ' ' + utcClock(eta.endedAt || job.finishedAt);
    }
    if (isFinal(job.state)) return outcomeOf(job.state) + ' ' + utcClock(job.finishedAt);
    if (job.state === 'paused') return 'paused';
    if (job.throttle && job.throttle.rate === 0) return 'held by throttle';
    return job.etaSeconds === null || job.etaSeconds === undefined ? 'estimating…' : duration(job.etaSeconds);
  }
  /** The job picked by the operator, else the newest job not over, else the newest job. */
  function activeJob(jobs, selectedJobId) {
    var chosen = jobs.filter(function (j) { return j.jobId === selectedJobId; })[0];
    return chosen || jobs.filter(function (j) { return !isFinal(j.state); })[0] || jobs[0] || null;
  }
  /** Share of the job's ranges done, for its progress bar (a job with no range is whole once it succeeded). */
  function doneShare(job) {
    var r = job.ranges;
    return r.total ? r.done / r.total : (succeeded(job.state) ? 1 : 0);
  }
  /**
   * The charts' time window [start, end] in ms. 'job': from the job's start (its creation while queued) to its
   * end, or to now while it works; at least MIN_WINDOW_MS wide. '15m' / '1h' / '6h': that long up to now.
   */
  function timeWindow(choice, job, now) {
    if (choice === 'job' && job) {
      var start = Date.parse(job.startedAt || job.createdAt);
      var end = isFinal(job.state) && job.finishedAt ? Date.parse(job.finishedAt) : now;
      return [start, Math.max(end, start + MIN_WINDOW_MS)];
    }
    return [now - (WINDOWS[choice] || WINDOWS['1h']), now];
  }
`;
