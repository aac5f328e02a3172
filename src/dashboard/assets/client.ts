import { CLIENT_RULES_JS } from './clientRules.js';

/**
 * The dashboard's browser script (served as /app.js): plain ES2017, no framework, no build step. It listens
 * to /api/events (server-sent events; the browser reconnects by itself), updates the job rows in place (so
 * a button being clicked is never replaced under the pointer), draws the charts as inline SVG, and posts
 * pause / resume / cancel with the operator token typed into the page (kept in sessionStorage, this tab only).
 * Every text goes in through textContent: nothing from the server is ever parsed as HTML. The job states it
 * knows (final ones, and which allow which button) come from the ledger's state machine through clientRules.ts.
 */
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var HOUR_MS = 3600 * 1000;
  var SVG_NS = 'http://www.w3.org/2000/svg';
${CLIENT_RULES_JS}  var QUEUE_SERIES = [
    { key: 'ready', name: 'ready', color: '#2b6cb0' },
    { key: 'unacked', name: 'in hand', color: '#1f8f4e' },
    { key: 'retrying', name: 'retrying', color: '#b7791f' },
    { key: 'dead', name: 'dead-letter', color: '#c53030' }
  ];
  var model = { view: null, points: [], selectedJob: null, lastEventAt: 0 };

  function byId(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
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

  function act(jobId, action) {
    if (action === 'cancel' && !window.confirm('Cancel job ' + jobId + '? Ranges in hand finish, nothing new starts; what was done is kept.')) return;
    var headers = { 'Content-Type': 'application/json' };
    var token = tokenInput.value.trim();
    if (token) headers.Authorization = 'Bearer ' + token;
    fetch('/api/jobs/' + jobId + '/' + action, { method: 'POST', headers: headers, body: '{}', cache: 'no-store' })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) { return { ok: res.ok, status: res.status, body: body }; });
      })
      .then(function (r) {
        if (r.ok) notice('Job ' + jobId + ': ' + r.body.from + ' → ' + r.body.to + (r.body.changed ? '' : ' (already)'), false);
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
    ['pause', 'resume', 'cancel'].forEach(function (action) {
      var button = el('button', action === 'cancel' ? 'danger' : '', action[0].toUpperCase() + action.slice(1));
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
      var allowed = allows(button.dataset.action, job.state);
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

  // ---- consumers and errors -------------------------------------------------------------------------
  function fillTable(selector, rows) {
    var tbody = document.querySelector(selector + ' tbody');
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (cells) {
      var tr = el('tr');
      cells.forEach(function (cell) { tr.appendChild(cell instanceof Node ? cell : el('td', '', cell)); });
      tbody.appendChild(tr);
    });
  }

  function renderConsumers(view) {
    var alive = view.consumers.filter(function (c) { return c.alive; }).length;
    setText(byId('consumer-count'), alive + ' alive, ' + (view.consumers.length - alive) + ' lost');
    fillTable('#consumers', view.consumers.map(function (c) {
      var state = el('td');
      state.appendChild(el('span', 'dot ' + (c.alive ? 'alive' : 'lost')));
      state.appendChild(document.createTextNode(c.alive ? 'alive' : 'lost'));
      var id = el('td', '', c.host + ' pid ' + c.pid);
      id.title = c.consumerId;
      var inHand = c.currentRanges.map(function (r) {
        var parts = r.split(':');
        return parts.length === 2 ? 'job ' + parts[0] + ' range ' + parts[1] : r;
      });
      return [id, state, int(c.rangesDone), inHand.length ? inHand.join(', ') : '–', clock(c.lastSeen)];
    }));
  }

  function selectedJob(view) {
    return activeJob(view.jobs, model.selectedJob);
  }

  function renderErrors(view) {
    var job = selectedJob(view);
    setText(byId('errors-job'), job ? 'job #' + job.jobId + ' (click a job to switch)' : '');
    fillTable('#errors', (job ? job.errors : []).map(function (e) {
      return [e.code, int(e.count), '#' + e.sampleTrackId, el('td', 'message', e.sampleMessage)];
    }));
  }

  // ---- charts ---------------------------------------------------------------------------------------
  function niceMax(value) {
    if (!(value > 0)) return 1;
    var magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * magnitude >= value) return steps[i] * magnitude;
    return 10 * magnitude;
  }

  function drawChart(node, points, series) {
    while (node.firstChild) node.removeChild(node.firstChild);
    var W = 600, H = 170, left = 48, right = 8, top = 8, bottom = 22;
    var now = Date.now(), start = now - HOUR_MS;
    var max = 0;
    points.forEach(function (p) { series.forEach(function (s) { if (p[s.key] !== null && p[s.key] > max) max = p[s.key]; }); });
    max = niceMax(max);
    var x = function (t) { return left + ((t - start) / HOUR_MS) * (W - left - right); };
    var y = function (v) { return top + (1 - v / max) * (H - top - bottom); };
    [0, 0.5, 1].forEach(function (f) {
      node.appendChild(svg('line', { x1: left, x2: W - right, y1: y(max * f), y2: y(max * f), 'class': 'axis' }));
      var label = svg('text', { x: left - 6, y: y(max * f) + 3, 'text-anchor': 'end' });
      label.textContent = int(max * f);
      node.appendChild(label);
    });
    [[start, '−60 min'], [start + HOUR_MS / 2, '−30 min'], [now, 'now']].forEach(function (tick, i) {
      var label = svg('text', { x: x(tick[0]), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === 2 ? 'end' : 'middle' });
      label.textContent = tick[1];
      node.appendChild(label);
    });
    series.forEach(function (s) {
      var runs = [[]];
      points.forEach(function (p) {
        if (p.t < start) return;
        if (p[s.key] === null) { runs.push([]); return; }
        runs[runs.length - 1].push(x(p.t).toFixed(1) + ',' + y(p[s.key]).toFixed(1));
      });
      runs.forEach(function (run) {
        if (run.length === 0) return;
        if (run.length === 1) run.push(run[0]);
        node.appendChild(svg('polyline', { points: run.join(' '), stroke: s.color, 'data-series': s.key }));
      });
    });
  }

  function renderCharts() {
    drawChart(byId('chart-rate'), model.points, [{ key: 'rate', name: 'tracks/s', color: '#2b6cb0' }]);
    drawChart(byId('chart-queue'), model.points, QUEUE_SERIES);
    var legend = byId('queue-now');
    while (legend.firstChild) legend.removeChild(legend.firstChild);
    var q = model.view && model.view.queue;
    QUEUE_SERIES.forEach(function (s) {
      var item = el('span');
      var swatch = el('i');
      swatch.style.background = s.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name + ': ' + (q ? int(q[s.key === 'dead' ? 'deadLetter' : s.key]) : 'broker not reachable')));
      legend.appendChild(item);
    });
  }

  // ---- live updates ---------------------------------------------------------------------------------
  function render(view) {
    model.view = view;
    renderJobs(view);
    renderConsumers(view);
    renderErrors(view);
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
      var cutoff = Date.now() - HOUR_MS - 60000;
      while (model.points.length && model.points[0].t < cutoff) model.points.shift();
    }
    render(update.view);
  });
  setInterval(function () {
    if (model.lastEventAt && Date.now() - model.lastEventAt > 10000) setLive(false, 'no updates for ' + duration((Date.now() - model.lastEventAt) / 1000));
  }, 2000);
})();
`;
