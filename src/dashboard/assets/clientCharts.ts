/**
 * The charts part of the browser script (inside CLIENT_JS's closure: it uses model, byId, int and the rules).
 * uPlot draws them: time axis in UTC, y axis from 0, the hovered values in its legend. The x range is the
 * chosen window (see timeWindow); a chart with no point in its window says "no data yet" instead of axes.
 */
export const CLIENT_CHARTS_JS = String.raw`
  var QUEUE_SERIES = [
    { key: 'ready', name: 'ready', color: '#2b6cb0' },
    { key: 'unacked', name: 'in hand', color: '#1f8f4e' },
    { key: 'retrying', name: 'retrying', color: '#b7791f' },
    { key: 'dead', name: 'dead-letter', color: '#c53030' }
  ];
  var charts = {};

  function niceMax(value) {
    if (!(value > 0)) return 1;
    var magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * magnitude >= value) return steps[i] * magnitude;
    return 10 * magnitude;
  }

  /** A time tick as "HH:MM" UTC, with seconds when the ticks are closer than a minute. */
  function utcTick(ts, i, ticks) {
    var withSeconds = ticks.length > 1 && ticks[1] - ticks[0] < 60;
    return new Date(ts * 1000).toISOString().slice(11, withSeconds ? 19 : 16);
  }

  function makeChart(box, series) {
    var opts = {
      width: Math.max(240, box.clientWidth), height: 190,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); },
      scales: {
        x: { time: true, range: function () { return [model.windowRange[0] / 1000, model.windowRange[1] / 1000]; } },
        y: { range: function (u, min, max) { return [0, niceMax(max)]; } }
      },
      axes: [{ stroke: '#6b7380', values: function (u, ticks) { return ticks.map(utcTick); } }, { stroke: '#6b7380', size: 56, values: function (u, ticks) { return ticks.map(int); } }],
      series: [{ label: 'UTC', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' }].concat(series.map(function (s) {
        return { label: s.name, stroke: s.color, width: 1.5, spanGaps: false,
          value: function (u, v) { return v === null || v === undefined ? '–' : int(v); } };
      }))
    };
    return new uPlot(opts, [[]].concat(series.map(function () { return []; })), box);
  }

  function chartOf(id, series) {
    if (!charts[id] && typeof uPlot !== 'undefined') charts[id] = makeChart(byId(id), series);
    return charts[id];
  }

  function drawChart(id, points, series) {
    var box = byId(id);
    var inWindow = points.filter(function (p) { return p.t >= model.windowRange[0] && p.t <= model.windowRange[1]; });
    var data = [inWindow.map(function (p) { return p.t / 1000; })];
    series.forEach(function (s) { data.push(inWindow.map(function (p) { return s.pick(p); })); });
    var withValues = inWindow.filter(function (p) { return series.some(function (s) { return s.pick(p) !== null; }); }).length;
    box.dataset.points = String(withValues);
    box.dataset.windowStart = new Date(model.windowRange[0]).toISOString();
    box.dataset.windowEnd = new Date(model.windowRange[1]).toISOString();
    box.classList.toggle('is-empty', withValues === 0);
    var chart = chartOf(id, series);
    if (chart) chart.setData(data);
  }

  function rateSeries(job) {
    if (model.window === 'job' && job) {
      var key = String(job.jobId);
      return [{ name: 'job #' + job.jobId + ' tracks/s', color: '#2b6cb0',
        pick: function (p) { return p.jobs && p.jobs[key] !== undefined ? p.jobs[key] : null; } }];
    }
    return [{ name: 'tracks/s', color: '#2b6cb0', pick: function (p) { return p.rate; } }];
  }

  function renderCharts() {
    var job = model.view ? activeJob(model.view.jobs, model.selectedJob) : null;
    model.windowRange = timeWindow(model.window, job, Date.now());
    var series = rateSeries(job);
    var rateId = 'chart-rate';
    // The rate chart's one series changes name with the window: a new chart, drawn once per change.
    if (charts[rateId] && charts[rateId].series[1].label !== series[0].name) { charts[rateId].destroy(); delete charts[rateId]; }
    drawChart(rateId, model.points, series);
    drawChart('chart-queue', model.points, QUEUE_SERIES.map(function (s) {
      return { name: s.name, color: s.color, pick: function (p) { return p[s.key]; } };
    }));
    setText(byId('rate-what'), series[0].name);
    setText(byId('window-label'), windowLabel(job));
    Array.prototype.forEach.call(document.querySelectorAll('#window-picker button'), function (b) {
      b.classList.toggle('chosen', b.dataset.window === model.window);
      b.setAttribute('aria-pressed', String(b.dataset.window === model.window));
    });
    renderQueueNow();
  }

  function windowLabel(job) {
    var from = new Date(model.windowRange[0]).toISOString().slice(11, 19);
    var to = new Date(model.windowRange[1]).toISOString().slice(11, 19);
    var what = model.window === 'job' ? (job ? 'job #' + job.jobId + ', from its start' : 'no job yet') : 'the last ' + model.window;
    return what + ': ' + from + ' – ' + to + ' UTC';
  }

  function renderQueueNow() {
    var legend = byId('queue-now');
    while (legend.firstChild) legend.removeChild(legend.firstChild);
    var q = model.view && model.view.queue;
    QUEUE_SERIES.forEach(function (s) {
      var item = el('span');
      var swatch = el('i');
      swatch.style.background = s.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name + ' now: ' + (q ? int(q[s.key === 'dead' ? 'deadLetter' : s.key]) : 'broker not reachable')));
      legend.appendChild(item);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('#window-picker button'), function (b) {
    b.addEventListener('click', function () {
      model.window = b.dataset.window;
      renderCharts();
    });
  });
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (id) { charts[id].setSize({ width: Math.max(240, byId(id).clientWidth), height: 190 }); });
  });
`;
