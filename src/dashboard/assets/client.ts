import { CLIENT_CHARTS_JS } from './clientCharts.js';
import { CLIENT_DEAD_LETTERS_JS } from './clientDeadLetters.js';
import { CLIENT_DETAIL_JS } from './clientDetail.js';
import { CLIENT_RULES_JS } from './clientRules.js';

/**
 * The dashboard's browser script (served as /app.js): plain ES2017, no framework, no build step. It listens
 * to /api/events (server-sent events; the browser reconnects by itself), updates the job rows in place (so
 * a button being clicked is never replaced under the pointer), draws the charts with uPlot (clientCharts.ts),
 * shows the selected job's detail (clientDetail.ts), and posts pause / resume / cancel / retry-failed /
 * resume-lost with the operator token typed into the page (kept in sessionStorage, this tab only), and lists
 * and works the dead-letter queue (clientDeadLetters.ts).
 * Every text goes in through textContent: nothing from the server is ever parsed as HTML. The job states it
 * knows (final ones, and which allow which button) come from the ledger's state machine through clientRules.ts.
 */
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  /** Chart points kept in the page: the widest window and a minute. */
  var KEEP_MS = 6 * 3600 * 1000 + 60000;
${CLIENT_RULES_JS}
  var model = { view: null, points: [], selectedJob: null, lastEventAt: 0, window: 'job', windowRange: [0, 0] };
  var BUTTONS = [['pause', 'Pause'], ['resume', 'Resume'], ['cancel', 'Cancel'], ['retry-failed', 'Retry failed'], ['resume-lost', 'Resume lost']];

  function byId(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function int(n) { return n === null || n === undefined ? '–' : Math.round(Number(n)).toLocaleString('en-US'); }
  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }

  // ---- operator token ----------------------------------------------------------------------------
  var tokenInput = byId('token');
  try { tokenInput.value = sessionStorage.getItem('tracktion.dashboardToken') || ''; } catch (e) { /* storage off */ }
  tokenInput.addEventListener('input', function () {
    try { sessionStorage.setItem('tracktion.dashboardToken', tokenInput.value); } catch (e) { /* storage off */ }
  });

  var noticeTimer = null;
  function notice(text, isError) {
    var box = byId('notice');
    box.textContent = text;
    box.className = isError ? 'error' : '';
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  /** POST a JSON body with the operator token; resolves to {ok, status, body}. */
  function post(url, body) {
    var headers = { 'Content-Type': 'application/json' };
    var token = tokenInput.value.trim();
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(url, { method: 'POST', headers: headers, body: JSON.stringify(body), cache: 'no-store' })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (json) { return { ok: res.ok, status: res.status, body: json }; });
      });
  }

  function act(jobId, action) {
    if (action === 'cancel' && !window.confirm('Cancel job ' + jobId + '? Ranges in hand finish, nothing new starts; what was done is kept.')) return;
    post('/api/jobs/' + jobId + '/' + action, {})
      .then(function (r) {
        if (r.ok && r.body.summary) notice('Job ' + jobId + ': ' + r.body.summary, false);
        else if (r.ok) notice('Job ' + jobId + ': ' + r.body.from + ' → ' + r.body.to + (r.body.changed ? '' : ' (already)'), false);
        else notice('Job ' + jobId + ': ' + (r.body.error || ('HTTP ' + r.status)), true);
      })
      .catch(function (err) { notice('Request failed: ' + err.message, true); });
  }

  // ---- jobs ----------------------------------------------------------------------------------------
  function jobRow(jobId) {
    var row = el('tr');
    row.dataset.jobId = jobId;
    var cells = ['id', 'state', 'progress', 'tracks', 'rate', 'eta', 'throttle', 'actions'].map(function (name) {
      var td = el('td', 'col-' + name);
      row.appendChild(td);
      return td;
    });
    cells[1].appendChild(el('span', 'state'));
    var bar = el('div', 'bar');
    bar.appendChild(el('div', 'fill'));
    bar.appendChild(el('div', 'fill failed'));
    cells[2].appendChild(bar);
    cells[2].appendChild(el('div', 'bar-label'));
    BUTTONS.forEach(function (pair) {
      var action = pair[0];
      var button = el('button', action === 'cancel' ? 'danger' : '', pair[1]);
      button.type = 'button';
      button.dataset.action = action;
      button.addEventListener('click', function (event) {
        event.stopPropagation();
        act(jobId, action);
      });
      cells[7].appendChild(button);
    });
    row.addEventListener('click', function () {
      model.selectedJob = Number(jobId);
      if (model.view) render(model.view);
    });
    return row;
  }

  function updateJobRow(row, job, actionsEnabled) {
    var c = row.children;
    setText(c[0], '#' + job.jobId);
    c[0].title = 'analysis version ' + job.analysisVersion + ', created ' + job.createdAt;
    var state = c[1].firstChild;
    setText(state, job.state);
    state.className = 'state ' + job.state;
    var bar = c[2].firstChild;
    var r = job.ranges;
    var done = doneShare(job);
    var failedShare = r.total ? r.failed / r.total : 0;
    bar.dataset.progress = job.progress.toFixed(4);
    bar.children[0].style.width = (done * 100).toFixed(2) + '%';
    bar.children[1].style.left = (done * 100).toFixed(2) + '%';
    bar.children[1].style.width = (failedShare * 100).toFixed(2) + '%';
    setText(c[2].children[1], (job.progress * 100).toFixed(1) + ' % · ' + int(r.done + r.failed) + ' / ' + int(r.total) +
      ' ranges' + (r.enumerationComplete ? '' : ' (planning…)') + (r.failed ? ' · ' + int(r.failed) + ' failed' : ''));
    setText(c[3], int(job.tracks.converted) + ' / ' + int(job.tracks.failed) + ' / ' + int(job.tracks.skipped));
    setText(c[4], int(job.ratePerSecond) + ' /s');
    setText(c[5], etaText(job));
    var t = job.throttle;
    setText(c[6], !t || t.rate === null ? '–' : (t.rate === 0 ? 'held' : int(t.rate) + ' /s') + (t.reason ? ' — ' + t.reason : ''));
    c[6].title = t && t.since ? 'since ' + t.since : '';
    Array.prototype.forEach.call(c[7].children, function (button) {
      var allowed = buttonAllowed(button.dataset.action, job);
      button.disabled = !actionsEnabled || !allowed;
      button.title = actionsEnabled ? '' : 'read-only: the dashboard was started without DASHBOARD_TOKEN';
    });
    row.classList.toggle('selected', model.selectedJob === job.jobId);
  }

  function renderJobs(view) {
    var tbody = document.querySelector('#jobs tbody');
    var keep = {};
    view.jobs.forEach(function (job, index) {
      var id = String(job.jobId);
      keep[id] = true;
      var row = tbody.querySelector('tr[data-job-id="' + id + '"]') || jobRow(id);
      if (tbody.children[index] !== row) tbody.insertBefore(row, tbody.children[index] || null);
      updateJobRow(row, job, view.actionsEnabled);
    });
    Array.prototype.slice.call(tbody.children).forEach(function (row) { if (!keep[row.dataset.jobId]) tbody.removeChild(row); });
    byId('no-jobs').hidden = view.jobs.length > 0;
  }

${CLIENT_DETAIL_JS}
${CLIENT_CHARTS_JS}
${CLIENT_DEAD_LETTERS_JS}
  // ---- live updates ---------------------------------------------------------------------------------
  function renderIdentity(view) {
    var id = view.identity;
    if (!id) return;
    setText(byId('identity'), 'namespace ' + id.namespace + ' · ' + id.databaseHost + ' / ' + id.databaseName + ' · v' + id.version);
  }

  function render(view) {
    model.view = view;
    renderIdentity(view);
    renderJobs(view);
    renderDetail(view);
    renderConsumers(view);
    renderErrors(view);
    renderDeadLetters();
    renderCharts();
    var problem = byId('sample-error');
    problem.hidden = !view.sampleError;
    setText(problem, view.sampleError ? 'Not updating: ' + view.sampleError + ' (showing the last good data)' : '');
    setText(byId('updated'), 'updated ' + clock(view.at));
    document.body.dataset.updatedAt = view.at;
  }

  function setLive(on, text) {
    var live = byId('live');
    live.className = 'live ' + (on ? 'on' : 'off');
    setText(live, text);
  }

  var events = new EventSource('/api/events');
  events.onopen = function () { setLive(true, 'live'); };
  events.onerror = function () { setLive(false, 'reconnecting…'); };
  events.addEventListener('history', function (e) {
    model.points = JSON.parse(e.data);
    renderCharts();
  });
  events.addEventListener('state', function (e) {
    var update = JSON.parse(e.data);
    model.lastEventAt = Date.now();
    setLive(true, 'live');
    if (update.point) {
      model.points.push(update.point);
      var cutoff = Date.now() - KEEP_MS;
      while (model.points.length && model.points[0].t < cutoff) model.points.shift();
    }
    render(update.view);
  });
  setInterval(function () {
    if (model.lastEventAt && Date.now() - model.lastEventAt > 10000) setLive(false, 'no updates for ' + duration((Date.now() - model.lastEventAt) / 1000));
  }, 2000);
})();
`;
