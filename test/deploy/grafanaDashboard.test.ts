import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { layoutHtml } from '../../tools/grafana/renderLayout.js';
import { knownMetricNames, metricNamesIn } from './metricNames.js';

/**
 * The Grafana dashboard as a file (no Grafana runs here): every query goes through the `datasource`
 * variable, so importing it into a Grafana whose Prometheus has another uid works; every metric it charts is
 * one the fleet or an exporter we deploy publishes; the panels tile the grid.
 */

interface DataSourceRef { type?: string; uid?: string }
interface Target { refId: string; expr: string; datasource?: DataSourceRef }
interface Panel { id: number; type: string; title: string; datasource?: DataSourceRef; targets?: Target[]; gridPos: { x: number; y: number; w: number; h: number } }
interface Variable { name: string; type: string; query?: unknown; datasource?: DataSourceRef }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } }

const FILE = 'deploy/grafana/dashboards/backfill.json';
const VARIABLE_REF = '${datasource}';
const read = (): Dashboard => JSON.parse(readFileSync(FILE, 'utf8')) as Dashboard;
const queried = (d: Dashboard) => d.panels.filter((p) => p.type !== 'row');

/** What the checks below find wrong in a dashboard; empty when it is right. */
function problems(d: Dashboard): string[] {
  const found: string[] = [];
  const known = knownMetricNames();
  const variable = d.templating.list.find((v) => v.name === 'datasource');
  if (variable?.type !== 'datasource' || variable.query !== 'prometheus') found.push('no `datasource` variable of type datasource (prometheus)');
  for (const v of d.templating.list.filter((x) => x.type === 'query')) {
    if (v.datasource?.uid !== VARIABLE_REF) found.push(`variable ${v.name} does not use ${VARIABLE_REF}`);
  }
  for (const panel of queried(d)) {
    if (panel.datasource?.uid !== VARIABLE_REF) found.push(`panel "${panel.title}" does not use ${VARIABLE_REF}`);
    if (!panel.targets?.length) found.push(`panel "${panel.title}" has no query`);
    for (const target of panel.targets ?? []) {
      if (target.datasource?.uid !== VARIABLE_REF) found.push(`panel "${panel.title}" query ${target.refId} does not use ${VARIABLE_REF}`);
      const names = metricNamesIn(target.expr);
      if (names.length === 0) found.push(`panel "${panel.title}" query ${target.refId} selects no metric`);
      for (const name of names) if (!known.has(name)) found.push(`panel "${panel.title}": ${name} is not a known metric`);
    }
  }
  return found;
}

describe('Grafana dashboard JSON', () => {
  it('uses the datasource variable in every panel, query and query variable, and only known metrics', () => {
    const dashboard = read();
    expect(problems(dashboard)).to.deep.equal([]);
    expect(readFileSync(FILE, 'utf8'), 'no hard-coded data source uid left').not.to.match(/"uid":\s*"prometheus"/);
  });

  it('the check fails on a hard-coded data source and on a metric nobody exports', () => {
    const dashboard = read();
    const panel = queried(dashboard)[0] as Panel;
    panel.datasource = { type: 'prometheus', uid: 'prometheus' };
    (panel.targets?.[0] as Target).expr = 'sum(rate(backfill_nonexistent_total[5m]))';
    const found = problems(dashboard);
    expect(found).to.include(`panel "${panel.title}" does not use ${VARIABLE_REF}`);
    expect(found).to.include(`panel "${panel.title}": backfill_nonexistent_total is not a known metric`);
  });

  it('has RabbitMQ and PostgreSQL panels on the exporters\' metrics', () => {
    const exprs = queried(read()).flatMap((p) => p.targets ?? []).map((t) => t.expr).join('\n');
    for (const name of ['rabbitmq_queue_messages_ready', 'rabbitmq_queue_messages_unacked', 'rabbitmq_queue_consumers',
      'rabbitmq_channel_messages_published_total', 'rabbitmq_channel_messages_acked_total', 'rabbitmq_channel_messages_redelivered_total',
      'pg_stat_activity_count', 'pg_lock_waits_sessions', 'pg_stat_database_xact_commit', 'pg_stat_database_tup_updated',
      'pg_stat_database_tup_inserted', 'pg_wal_position_bytes', 'pg_stat_replication_pg_wal_lsn_diff']) {
      expect(exprs, name).to.include(name);
    }
  });

  it('lays the panels on Grafana\'s 24-column grid without overlaps', () => {
    const panels = read().panels;
    expect(new Set(panels.map((p) => p.id)).size, 'unique panel ids').to.equal(panels.length);
    for (const p of panels) expect(p.gridPos.x + p.gridPos.w, p.title).to.be.at.most(24);
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x
          || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        expect(apart, `"${a.title}" and "${b.title}" overlap`).to.equal(true);
      }
    }
  });
});

describe('the dashboard layout rendering (tools/grafana/renderLayout.ts)', () => {
  it('draws every panel with its title and queries, escaped, and says it is not Grafana', () => {
    const dashboard = read();
    const html = layoutHtml(dashboard, FILE);
    expect(html).to.include('not Grafana');
    for (const panel of dashboard.panels) {
      expect(html, panel.title).to.include(`>${panel.title.replace(/&/g, '&#38;').replace(/'/g, '&#39;')}<`);
    }
    const hostile = { ...dashboard, panels: [{ id: 1, type: 'stat', title: '<img src=x onerror=alert(1)>', gridPos: { x: 0, y: 0, w: 4, h: 4 }, targets: [] }] };
    const drawn = layoutHtml(hostile, FILE);
    expect(drawn).not.to.include('<img');
    expect(drawn).to.include('&#60;img');
  });
});

describe('PromQL metric names', () => {
  it('finds the series an expression selects, not functions, labels, keywords or durations', () => {
    expect(metricNamesIn('sum by (job_id) (rate(backfill_tracks_total{outcome="failed", job_id=~"$job_id"}[$__rate_interval])) / on (job_id) group_left up offset 5m'))
      .to.deep.equal(['backfill_tracks_total', 'up']);
    expect(metricNamesIn('histogram_quantile(0.95, sum by (le) (rate(backfill_range_duration_seconds_bucket[5m])))')).to.deep.equal(['backfill_range_duration_seconds']);
    expect(metricNamesIn('sum(pg_stat_activity_count{state="idle in transaction"}) > 0 and time() - x > 5')).to.deep.equal(['pg_stat_activity_count', 'x']);
  });
});
