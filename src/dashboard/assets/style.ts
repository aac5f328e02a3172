/**
 * The dashboard's stylesheet (served as /app.css). At 1024 px the jobs table keeps its actions in view: the
 * action column sticks to the table's right edge and its buttons wrap, long cells wrap instead of widening it.
 */
export const STYLE_CSS = `
:root { --fg: #1d2430; --muted: #6b7380; --line: #e2e5ea; --bg: #f6f7f9; --card: #fff; --ok: #1f8f4e; --warn: #b7791f;
  --bad: #c53030; --accent: #2b6cb0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
body { margin: 0; background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .75rem 1.25rem; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { font-size: 1.15rem; margin: 0; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
h3 { font-size: .9rem; margin: .5rem 0 .35rem; }
.identity { font-size: .85rem; padding: .1rem .6rem; border-radius: 4px; background: #edf2f7; overflow-wrap: anywhere; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(400px, 1fr)); gap: 1rem; padding: 1rem 1.25rem; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; overflow-x: auto; }
section.wide, section.errors { grid-column: 1 / -1; }
section[hidden] { display: none; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
td.message { white-space: normal; max-width: 28rem; overflow-wrap: anywhere; }
#jobs td.col-throttle, #jobs td.col-tracks { white-space: normal; }
#jobs td.col-throttle { max-width: 12rem; }
#jobs .col-actions { position: sticky; right: 0; background: var(--card); white-space: normal; min-width: 11rem; max-width: 15rem;
  box-shadow: -6px 0 6px -6px rgba(0, 0, 0, .2); }
#jobs td.col-actions button { margin: .1rem .25rem .1rem 0; }
.dlq-bar input { width: 7rem; margin: 0 .75rem 0 .4rem; padding: .15rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
.muted { color: var(--muted); font-weight: normal; }
.small { font-size: .85rem; }
.token { margin-left: auto; color: var(--muted); font-size: .85rem; }
.token input { margin-left: .4rem; width: 14rem; padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
.live { font-size: .8rem; padding: .1rem .5rem; border-radius: 999px; background: #edf2f7; }
.live.on { background: #e6f4ea; color: var(--ok); }
.live.off { background: #fdecea; color: var(--bad); }
.state { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; background: #edf2f7; }
.state.running, .state.enumerating { background: #e6f0fb; color: var(--accent); }
.state.completed { background: #e6f4ea; color: var(--ok); }
.state.paused, .state.cancelling, .state.queued { background: #fff5e6; color: var(--warn); }
.state.failed, .state.cancelled { background: #fdecea; color: var(--bad); }
.progress-col { width: 24%; }
.bar { position: relative; height: .8rem; background: #edf2f7; border-radius: 4px; overflow: hidden; min-width: 7rem; }
.bar .fill { position: absolute; inset: 0 auto 0 0; background: var(--accent); transition: width .5s; }
.bar .fill.failed { background: var(--bad); }
.bar-label { font-size: .75rem; color: var(--muted); margin-top: .15rem; }
tr.selected td { background: #f0f5fc; }
#jobs tr.selected td.col-actions { background: #f0f5fc; }
tbody tr { cursor: default; }
#jobs tbody tr { cursor: pointer; }
button { font: inherit; font-size: .8rem; padding: .15rem .6rem; margin-right: .25rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
button:disabled { color: #b0b6bf; cursor: not-allowed; }
button.danger:not(:disabled) { color: var(--bad); border-color: #f3c4c4; }
#notice { margin: .75rem 1.25rem 0; padding: .5rem .75rem; border-radius: 4px; background: #e6f0fb; }
#notice.error { background: #fdecea; color: var(--bad); }
.warning { margin: .75rem 1.25rem 0; padding: .5rem .75rem; border-radius: 4px; background: #fff5e6; color: var(--warn); }
.window-bar { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; padding: .5rem 1rem; }
#window-picker button { margin: 0; border-radius: 0; }
#window-picker button:first-child { border-radius: 4px 0 0 4px; }
#window-picker button:last-child { border-radius: 0 4px 4px 0; }
#window-picker button.chosen { background: var(--accent); color: #fff; border-color: var(--accent); }
.chart-box { position: relative; min-height: 190px; }
.chart-box .empty { display: none; position: absolute; inset: 0; margin: 0; align-items: center; justify-content: center; color: var(--muted); }
.chart-box.is-empty .empty { display: flex; }
.chart-box.is-empty .uplot { visibility: hidden; }
.uplot { font-family: inherit; }
.uplot .u-legend { font-size: .8rem; }
#job-times { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; margin: 0 0 .5rem; }
#job-times dt { font-size: .8rem; color: var(--muted); }
#job-times dd { margin: 0; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 360px), 1fr)); gap: 1rem; }
.columns > div { min-width: 0; overflow-x: auto; }
td.last-error { color: var(--bad); }
#job-history td { white-space: normal; }
#job-history td.message { min-width: 7rem; }
.legend span { margin-right: 1rem; font-size: .85rem; }
.legend i { display: inline-block; width: .8rem; height: .2rem; margin-right: .3rem; vertical-align: middle; }
.dot { display: inline-block; width: .55rem; height: .55rem; border-radius: 50%; margin-right: .35rem; }
.dot.alive { background: var(--ok); }
.dot.lost { background: var(--bad); }
`;
