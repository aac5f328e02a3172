import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { allMetricNames } from '../../src/shared/metrics/registry.js';

/**
 * The metric names the deployment files may use in PromQL: the fleet's own (from its registry), Prometheus'
 * `up`, and the exporters' names the dashboard and the rules use — checked against the exporters' sources:
 * rabbitmq_prometheus' core collector (per-object endpoint) and postgres_exporter v0.17 (its default metric
 * maps and collectors), plus the queries deploy/postgres-exporter/queries.yaml adds (read from that file).
 */

const PROMETHEUS = ['up'];

const RABBITMQ = [
  'rabbitmq_queue_messages_ready', 'rabbitmq_queue_messages_unacked', 'rabbitmq_queue_consumers',
  'rabbitmq_channel_messages_published_total', 'rabbitmq_channel_messages_delivered_ack_total',
  'rabbitmq_channel_messages_acked_total', 'rabbitmq_channel_messages_redelivered_total',
];

const POSTGRES_EXPORTER = [
  'pg_up', 'pg_stat_activity_count', 'pg_stat_database_xact_commit', 'pg_stat_database_xact_rollback',
  'pg_stat_database_tup_updated', 'pg_stat_database_tup_inserted', 'pg_stat_database_deadlocks',
  'pg_stat_replication_pg_wal_lsn_diff',
];

/** postgres_exporter names a query's metric <query>_<column>, for every column that is not a label. */
export function extendQueryMetricNames(file = 'deploy/postgres-exporter/queries.yaml'): string[] {
  const queries = parse(readFileSync(file, 'utf8')) as Record<string, { metrics: Record<string, { usage: string }>[] }>;
  return Object.entries(queries).flatMap(([query, { metrics }]) => metrics.flatMap((column) =>
    Object.entries(column).filter(([, spec]) => spec.usage !== 'LABEL').map(([name]) => `${query}_${name}`)));
}

export function fleetMetricNames(): Set<string> {
  return new Set(allMetricNames());
}

export function knownMetricNames(): Set<string> {
  return new Set([...fleetMetricNames(), ...PROMETHEUS, ...RABBITMQ, ...POSTGRES_EXPORTER, ...extendQueryMetricNames()]);
}

/** PromQL words that look like names but are not series. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects. Strings, label matchers, range/subquery brackets and
 * grouping label lists are cut out first; what remains that is a name and not a function call or keyword is
 * a metric. A histogram's _bucket/_sum/_count reads as its metric when the fleet defines that one.
 */
export function metricNamesIn(expr: string): string[] {
  const fleet = fleetMetricNames();
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/(?<![\w$.])[A-Za-z_:][A-Za-z0-9_:]*\b(?!\s*\()/g)].map((m) => m[0]).filter((n) => !KEYWORDS.has(n));
  return names.map((name) => {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return fleet.has(name) || !fleet.has(base) ? name : base;
  });
}
