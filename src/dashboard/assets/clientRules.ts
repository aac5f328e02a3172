import { statesForBrowser } from '../../shared/ledger/states.js';

/**
 * The pure part of the dashboard's browser script: what a job's state means on the page (which jobs are over,
 * what the ETA cell says, which job is the active one). Plain ES2017 put into CLIENT_JS, and runnable on its
 * own (tests evaluate it). The state lists are put in from the ledger's state machine, not copied.
 */
export const CLIENT_RULES_JS = String.raw`
  var STATES = ${statesForBrowser()};
  function isFinal(state) { return STATES.final.indexOf(state) >= 0; }
  function succeeded(state) { return STATES.succeeded.indexOf(state) >= 0; }
  function allows(action, state) { return (STATES.can[action] || []).indexOf(state) >= 0; }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return 'unknown';
    var s = Math.max(0, Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + r + 's';
  }
  function clock(iso) { return iso ? new Date(iso).toLocaleTimeString('en-GB') : '–'; }
  /** A job that is over says when it ended; any other its estimate. */
  function etaText(job) { return isFinal(job.state) ? 'done ' + clock(job.finishedAt) : duration(job.etaSeconds); }
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
`;
