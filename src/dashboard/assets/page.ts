/**
 * The dashboard page. Static: everything it shows comes from /api/events (server-sent events). Kept as a
 * TypeScript string so `tsc` ships it inside dist/ with no asset step and no front-end build; the charts are
 * drawn by uPlot (/uplot.js, vendored as it ships).
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backfill fleet — Tracktion Migrate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/uplot.css">
<link rel="stylesheet" href="/app.css">
<script src="/uplot.js" defer></script>
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>Backfill fleet</h1>
  <span id="identity" class="identity" title="namespace · database server / database · tool version"></span>
  <span id="live" class="live off" title="Live updates">connecting…</span>
  <span id="updated" class="muted"></span>
  <label class="token">Operator token
    <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="DASHBOARD_TOKEN">
  </label>
</header>
<div id="notice" role="status" aria-live="polite" hidden></div>
<div id="sample-error" class="warning" hidden></div>
<main>
  <section class="wide">
    <h2>Jobs</h2>
    <table id="jobs">
      <thead><tr><th>Job</th><th>State</th><th class="progress-col">Progress</th><th>Tracks <span class="muted">converted / failed / skipped</span></th>
        <th>Rate</th><th>ETA</th><th>Throttle</th><th class="col-actions">Actions</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-jobs" class="muted" hidden>No backfill jobs yet — <code>tracktion-migrate backfill enqueue</code> starts one.</p>
  </section>
  <section class="wide window-bar">
    <span>Charts show</span>
    <span id="window-picker" role="group" aria-label="Time window">
      <button type="button" data-window="job">job</button><button type="button" data-window="15m">15 min</button><button type="button" data-window="1h">1 h</button><button type="button" data-window="6h">6 h</button>
    </span>
    <span id="window-label" class="muted"></span>
  </section>
  <section>
    <h2>Throughput <span id="rate-what" class="muted">tracks/s</span></h2>
    <div id="chart-rate" class="chart-box"><p class="empty">no data yet</p></div>
  </section>
  <section>
    <h2>Queue depth <span class="muted">messages</span></h2>
    <div id="chart-queue" class="chart-box"><p class="empty">no data yet</p></div>
    <p id="queue-now" class="legend"></p>
  </section>
  <section id="job-detail" class="wide">
    <h2>Job <span id="detail-title"></span> <span class="muted">(click a job to switch)</span></h2>
    <dl id="job-times"></dl>
    <div class="columns">
      <div>
        <h3>History <span class="muted">who moved it, when, why</span></h3>
        <table id="job-history">
          <thead><tr><th>When (UTC)</th><th>Move</th><th>By</th><th>Why</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <div>
        <h3>Failed ranges <span id="failed-count" class="muted"></span></h3>
        <table id="failed-ranges">
          <thead><tr><th>Range</th><th>Ids</th><th>Attempts</th><th>Last error</th></tr></thead>
          <tbody></tbody>
        </table>
        <p id="no-failed" class="muted small">None.</p>
        <p class="muted small"><b>Retry failed</b> publishes them again with fresh attempts; all of them:
          <code>tracktion-migrate backfill ranges JOB --state failed</code></p>
      </div>
    </div>
  </section>
  <section>
    <h2>Consumers <span id="consumer-count" class="muted"></span></h2>
    <table id="consumers">
      <thead><tr><th>Consumer</th><th>State</th><th>Ranges done</th><th>In hand</th><th>Last seen</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="wide">
    <h2>Dead letters <span id="dlq-count" class="muted"></span></h2>
    <p class="dlq-bar"><label>Job <input id="dlq-job" type="number" min="1" step="1" placeholder="all"></label>
      <button type="button" id="dlq-requeue" disabled>Requeue</button><button type="button" id="dlq-purge" class="danger" disabled>Purge</button></p>
    <table id="dead-letters">
      <thead><tr><th>Job</th><th>Range</th><th>Ids</th><th>Attempt</th><th>Dead-lettered (UTC)</th><th>Reason</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-dead-letters" class="muted small">None.</p>
    <p class="muted small"><b>Requeue</b> republishes the open ranges with fresh attempts and drops the letters with nothing left
      to do; those of failed ranges stay (<b>Retry failed</b> reopens them). The first 50; all of them:
      <code>tracktion-migrate backfill dlq list</code></p>
  </section>
  <section class="errors">
    <h2>Row errors <span id="errors-job" class="muted"></span></h2>
    <table id="errors">
      <thead><tr><th>Code</th><th>Count</th><th>Sample track</th><th>Sample message</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="muted small">All of them: <code>tracktion-migrate backfill errors JOB --csv</code></p>
  </section>
</main>
</body>
</html>
`;
