import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * Writes deploy/k8s/monitoring/prometheusrule.yaml from deploy/prometheus/alerts.yml: the same alert rules as a
 * Prometheus Operator PrometheusRule, so Kubernetes and Compose page on one set of rules. The rules file is
 * the source; the PrometheusRule is generated and committed (test/deploy checks it is up to date).
 *
 *   npm run deploy:render
 */

export const ALERTS_FILE = 'deploy/prometheus/alerts.yml';
export const PROMETHEUS_RULE_FILE = 'deploy/k8s/monitoring/prometheusrule.yaml';

const HEADER = `# GENERATED from ${ALERTS_FILE} by \`npm run deploy:render\` (tools/k8s/renderPrometheusRule.ts): edit the
# rules there, then render again. test/deploy fails while this file differs from what the rules give.
`;

/** The PrometheusRule for a Prometheus rules file's text: its groups, unchanged, as the spec. */
export function renderPrometheusRule(alertsText: string): string {
  const rules = parse(alertsText) as { groups?: unknown };
  if (!Array.isArray(rules.groups) || rules.groups.length === 0) throw new Error(`${ALERTS_FILE}: no rule groups`);
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'tracktion-migrate-alerts', labels: { 'app.kubernetes.io/name': 'tracktion-migrate' } },
    spec: { groups: rules.groups },
  };
  return HEADER + stringify(resource, { lineWidth: 0 });
}

function main(): void {
  writeFileSync(PROMETHEUS_RULE_FILE, renderPrometheusRule(readFileSync(ALERTS_FILE, 'utf8')));
  process.stderr.write(`wrote ${PROMETHEUS_RULE_FILE}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) main();
