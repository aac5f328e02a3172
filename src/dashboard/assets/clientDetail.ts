/**
 * The selected job's detail (its times, its history, its failed ranges with their last error), the consumers
 * and the row errors: the tables of the browser script, inside CLIENT_JS's closure. Rebuilt on each update;
 * they hold no button, so nothing is replaced under the pointer.
 */
export const CLIENT_DETAIL_JS = String.raw`
  function fillTable(selector, rows) {
    var tbody = document.querySelector(selector + ' tbody');
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (cells) {
      var tr = el('tr');
      cells.forEach(function (cell) { tr.appendChild(cell instanceof Node ? cell : el('td', '', cell)); });
      tbody.appendChild(tr);
    });
  }

  function selectedJob(view) {
    return activeJob(view.jobs, model.selectedJob);
  }

  function utcStamp(iso) { return iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) : '–'; }

  function renderTimes(job) {
    var dl = byId('job-times');
    while (dl.firstChild) dl.removeChild(dl.firstChild);
    if (!job) return;
    var start = job.startedAt || null;
    var over = isFinal(job.state) && job.finishedAt;
    var wall = start ? ((over ? Date.parse(job.finishedAt) : Date.now()) - Date.parse(start)) / 1000 : null;
    [['State', job.state], ['Created', utcStamp(job.createdAt) + ' UTC'], ['Started', start ? utcStamp(start) + ' UTC' : 'not yet'],
     ['Ended', over ? utcStamp(job.finishedAt) + ' UTC' : 'not yet'],
     ['Duration', wall === null ? '–' : duration(wall) + (over ? '' : ' so far') + ' (' + duration(job.runningSeconds) + ' working)']]
      .forEach(function (pair) {
        var item = el('div', 'time-' + pair[0].toLowerCase());
        item.appendChild(el('dt', '', pair[0]));
        item.appendChild(el('dd', '', pair[1]));
        dl.appendChild(item);
      });
  }

  function renderDetail(view) {
    var job = selectedJob(view);
    byId('job-detail').hidden = !job;
    if (!job) return;
    setText(byId('detail-title'), '#' + job.jobId);
    renderTimes(job);
    fillTable('#job-history', (job.history || []).slice().reverse().map(function (e) {
      return [utcStamp(e.at), (e.fromState ? e.fromState + ' → ' : '') + e.toState, e.actor, el('td', 'message', e.reason || '–')];
    }));
    var failed = job.failedRanges || [];
    fillTable('#failed-ranges', failed.map(function (r) {
      var row = ['#' + r.rangeId, int(r.startId) + ' – ' + int(r.endId), int(r.attempts), el('td', 'message last-error', r.lastError || '(no reason recorded)')];
      return row;
    }));
    byId('no-failed').hidden = failed.length > 0;
    setText(byId('failed-count'), job.ranges.failed ? (failed.length < job.ranges.failed
      ? 'first ' + failed.length + ' of ' + int(job.ranges.failed) : int(job.ranges.failed)) : '');
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
      // A lost consumer's deliveries went back to the queue: what its last heartbeat listed is not in hand.
      var hand = c.alive ? (inHand.length ? inHand.join(', ') : '–') : el('td', 'muted', 'none (heartbeat expired)');
      return [id, state, int(c.rangesDone), hand, clock(c.lastSeen)];
    }));
  }

  function renderErrors(view) {
    var job = selectedJob(view);
    setText(byId('errors-job'), job ? 'job #' + job.jobId : '');
    fillTable('#errors', (job ? job.errors : []).map(function (e) {
      return [e.code, int(e.count), '#' + e.sampleTrackId, el('td', 'message', e.sampleMessage)];
    }));
  }
`;
