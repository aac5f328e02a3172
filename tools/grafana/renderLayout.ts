import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Draws a Grafana dashboard JSON's layout — its grid, panel titles, types and queries — as an HTML page, and
 * screenshots it with headless Chromium. No Grafana runs here: this shows where each panel sits and what it
 * asks Prometheus, not data.
 *
 *   node dist/tools/grafana/renderLayout.js [dashboard.json] [out.png]
 *   (defaults: deploy/grafana/dashboards/backfill.json, docs/grafana-dashboard.png; CHROMIUM=/path overrides the browser)
 */

interface Target { refId: string; expr: string; legendFormat?: string }
interface Panel { id: number; type: string; title: string; description?: string; targets?: Target[]; gridPos: { x: number; y: number; w: number; h: number } }
interface Variable { name: string; label?: string; type: string }
interface Dashboard { title: string; panels: Panel[]; templating?: { list: Variable[] } }

/** Grafana's grid: 24 columns; a height unit is 30 px (plus the gap between panels). */
const COLUMNS = 24;
const UNIT_PX = 30;
const GAP_PX = 8;
const WIDTH_PX = 1600;

/** Titles and queries come from a file anyone can edit: escape every character HTML gives a meaning to. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function panelHtml(panel: Panel): string {
  const { x, y, w, h } = panel.gridPos;
  const place = `grid-column:${x + 1} / span ${w};grid-row:${y + 1} / span ${h}`;
  if (panel.type === 'row') return `<section class="row" style="${place}">${escapeHtml(panel.title)}</section>`;
  const queries = (panel.targets ?? [])
    .map((t) => `<li><b>${escapeHtml(t.refId)}</b> <code>${escapeHtml(t.expr)}</code>${t.legendFormat ? ` <i>${escapeHtml(t.legendFormat)}</i>` : ''}</li>`)
    .join('');
  return `<section class="panel" style="${place}"><header><span>${escapeHtml(panel.title)}</span><small>${escapeHtml(panel.type)}</small></header>`
    + `${panel.description ? `<p>${escapeHtml(panel.description)}</p>` : ''}<ol>${queries}</ol></section>`;
}

export function layoutHtml(dashboard: Dashboard, source: string): string {
  const rows = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const variables = (dashboard.templating?.list ?? []).map((v) => `<span class="var">${escapeHtml(v.label ?? v.name)} <code>$${escapeHtml(v.name)}</code></span>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(dashboard.title)} — layout</title><style>
body{margin:0;padding:16px;background:#111217;color:#ccccdc;font:13px/1.35 system-ui,sans-serif;width:${WIDTH_PX - 32}px}
.note{background:#3d2f00;color:#ffd666;padding:6px 10px;border-radius:4px;margin-bottom:10px}
h1{font-size:20px;margin:0 0 8px;color:#fff}.vars{margin-bottom:12px}.var{background:#22252b;border:1px solid #34373f;border-radius:3px;padding:3px 8px;margin-right:6px}
.grid{display:grid;grid-template-columns:repeat(${COLUMNS},1fr);grid-template-rows:repeat(${rows},${UNIT_PX}px);gap:${GAP_PX}px}
.panel{background:#181b1f;border:1px solid #2c3038;border-radius:4px;padding:6px 8px;overflow:hidden}
.panel header{display:flex;justify-content:space-between;font-weight:600;color:#fff}.panel small{color:#8e8e9e;font-weight:400}
.panel p{margin:3px 0;color:#9fa1ab;font-size:11px}.panel ol{margin:4px 0 0;padding-left:0;list-style:none}
.panel li{font-size:11px;margin-bottom:2px;word-break:break-all}code{color:#73bf69}i{color:#8ab8ff}
.row{font-size:15px;font-weight:600;color:#fff;border-bottom:1px solid #34373f;align-self:end;padding-bottom:2px}
</style></head><body><div class="note">Layout rendering of <code>${escapeHtml(source)}</code> — not Grafana: each panel shows its place,
title, type and queries, not data.</div><h1>${escapeHtml(dashboard.title)}</h1><div class="vars">${variables}</div>
<div class="grid">${dashboard.panels.map(panelHtml).join('')}</div></body></html>`;
}

/** Page height for the screenshot: the grid's rows and the header above them. */
function pageHeight(dashboard: Dashboard): number {
  const rows = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  return rows * (UNIT_PX + GAP_PX) + 140;
}

function main(): void {
  const [source = 'deploy/grafana/dashboards/backfill.json', out = 'docs/grafana-dashboard.png'] = process.argv.slice(2);
  const dashboard = JSON.parse(readFileSync(source, 'utf8')) as Dashboard;
  const dir = mkdtempSync(join(tmpdir(), 'grafana-layout-'));
  try {
    const page = join(dir, 'layout.html');
    writeFileSync(page, layoutHtml(dashboard, source));
    const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
    const shot = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
      `--window-size=${WIDTH_PX},${pageHeight(dashboard)}`, `--screenshot=${resolve(out)}`, `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
    if (shot.status !== 0) throw new Error(`${chromium} failed (${String(shot.status)}): ${shot.stderr}`);
    process.stderr.write(`wrote ${out}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) main();
