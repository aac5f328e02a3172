/**
 * The dashboard page. Static: everything it shows comes from /api/events (server-sent events). Kept as a
 * TypeScript string so `tsc` ships it inside dist/ with no asset step and no front-end build.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backfill fleet — Tracktion Migrate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>Backfill fleet</h1>
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
      <thead><tr><th>Job</th><th>State</th><th class="progress-col">Progress</th><th>Tracks (converted / failed / skipped)</th>
        <th>Rate</th><th>ETA</th><th>Throttle</th><th>Actions</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-jobs" class="muted" hidden>No backfill jobs yet — <code>tracktion-migrate backfill enqueue</code> starts one.</p>
  </section>
  <section>
    <h2>Throughput <span class="muted">tracks/s, last hour</span></h2>
    <svg id="chart-rate" class="chart" viewBox="0 0 600 170" role="img" aria-label="Throughput over the last hour"></svg>
  </section>
  <section>
    <h2>Queue depth <span class="muted">messages, last hour</span></h2>
    <svg id="chart-queue" class="chart" viewBox="0 0 600 170" role="img" aria-label="Queue depth over the last hour"></svg>
    <p id="queue-now" class="legend"></p>
  </section>
  <section>
    <h2>Consumers <span id="consumer-count" class="muted"></span></h2>
    <table id="consumers">
      <thead><tr><th>Consumer</th><th>State</th><th>Ranges done</th><th>In hand</th><th>Last seen</th></tr></thead>
      <tbody></tbody>
    </table>
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
