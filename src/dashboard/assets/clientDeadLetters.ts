/**
 * The "Dead letters" panel of the browser script, inside CLIENT_JS's closure: the first 50 messages of the
 * dead-letter queue (GET /api/dead-letters, optionally of one job), and Requeue / Purge (POST, with the operator
 * token). Fetched every 10 s while the tab is visible and after each button: the server re-reads the queue at
 * most every 5 s whatever the pages ask, as each read holds the messages for a moment.
 */
export const CLIENT_DEAD_LETTERS_JS = String.raw`
  // ---- dead letters ---------------------------------------------------------------------------------
  var DEAD_LETTERS_SHOWN = 50;
  var deadLetters = { page: null, job: '' };

  function deadLetterJob() {
    var value = byId('dlq-job').value.trim();
    return /^[1-9][0-9]{0,14}$/.test(value) ? value : '';
  }

  function loadDeadLetters() {
    var job = deadLetterJob();
    fetch('/api/dead-letters' + (job ? '?job=' + job : ''), { cache: 'no-store' })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) {
        if (!r.ok) { setText(byId('dlq-count'), r.body.error || 'could not read the queue'); return; }
        deadLetters.page = r.body;
        deadLetters.job = job;
        renderDeadLetters();
      })
      .catch(function () { /* the next round tries again */ });
  }

  /** How many a purge would delete, as far as the page knows: the queue's depth, or the job's letters listed. */
  function purgeCount() {
    var page = deadLetters.page;
    if (!page) return '?';
    if (!deadLetters.job) return String(page.depth || 0);
    return page.letters.length >= DEAD_LETTERS_SHOWN ? DEAD_LETTERS_SHOWN + ' or more' : String(page.letters.length);
  }

  function renderDeadLetters() {
    var page = deadLetters.page;
    var letters = page ? page.letters : [];
    setText(byId('dlq-count'), !page ? '' : page.depth === null ? 'no dead-letter queue yet'
      : int(page.depth) + ' in the queue' + (deadLetters.job ? ' · ' + purgeCount() + ' of job #' + deadLetters.job : '') + ' · read ' + clock(page.readAt));
    fillTable('#dead-letters', letters.map(function (l) {
      return [l.jobId === null ? '–' : '#' + l.jobId, l.rangeId === null ? '–' : l.rangeId,
        l.startId === null ? '–' : l.startId + '..' + l.endId, l.attempt === null ? '–' : l.attempt,
        utcStamp(l.deadLetteredAt), el('td', 'message', l.reason)];
    }));
    byId('no-dead-letters').hidden = letters.length > 0;
    var enabled = Boolean(model.view && model.view.actionsEnabled);
    ['dlq-requeue', 'dlq-purge'].forEach(function (id) {
      var button = byId(id);
      button.disabled = !enabled || letters.length === 0;
      button.title = enabled ? '' : 'read-only: the dashboard was started without DASHBOARD_TOKEN';
    });
  }

  function deadLetterAct(action) {
    var job = deadLetterJob();
    var what = job ? 'of job #' + job : 'of every job';
    var question = action === 'requeue'
      ? 'Requeue the dead letters ' + what + '? Open ranges go back to work with fresh attempts, those with nothing left to do are dropped, those of failed ranges stay.'
      : 'Delete ' + purgeCount() + ' dead letter(s) ' + what + '? The ledger is not changed.';
    if (!window.confirm(question)) return;
    post('/api/dead-letters/' + action, job ? { job: Number(job) } : {})
      .then(function (r) {
        notice('Dead letters: ' + (r.ok ? r.body.summary : (r.body.error || ('HTTP ' + r.status))), !r.ok);
        loadDeadLetters();
      })
      .catch(function (err) { notice('Request failed: ' + err.message, true); });
  }

  byId('dlq-requeue').addEventListener('click', function () { deadLetterAct('requeue'); });
  byId('dlq-purge').addEventListener('click', function () { deadLetterAct('purge'); });
  byId('dlq-job').addEventListener('change', loadDeadLetters);
  loadDeadLetters();
  setInterval(function () { if (!document.hidden) loadDeadLetters(); }, 10000);
`;
