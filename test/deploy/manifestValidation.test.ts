import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFile, checkTree, manifestFiles, type Finding } from '../../tools/k8s/validateManifests.js';
import { PROMETHEUS_RULE_FILE, ALERTS_FILE, renderPrometheusRule } from '../../tools/k8s/renderPrometheusRule.js';

/**
 * `npm run lint:deploy` (tools/k8s/validateManifests.ts): the shipped manifests pass the Kubernetes, KEDA and
 * Prometheus Operator schemas strictly, and the check catches what a cluster would refuse or silently drop.
 */

const ROOT = 'deploy/k8s';
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const problemsOf = (findings: Finding[]) => findings.flatMap((f) => f.problems.map((p) => `${f.where}: ${p}`));
/** The check of one shipped file after an edit, as if it were that file. */
const checkEdited = (file: string, edit: (text: string) => string) => {
  const original = read(file);
  const edited = edit(original);
  expect(edited, 'the edit applies').not.to.equal(original);
  return problemsOf(checkFile(join(ROOT, file), edited));
};

describe('Kubernetes manifest validation (npm run lint:deploy)', function () {
  this.timeout(30_000);

  it('accepts every shipped manifest and kustomization, strictly, and checks them all', () => {
    const findings = checkTree(ROOT);
    expect(problemsOf(findings)).to.deep.equal([]);
    const checkedFiles = new Set(findings.map((f) => f.where.replace(/#\d+$/, '')));
    expect([...checkedFiles].sort()).to.deep.equal(manifestFiles(ROOT).sort());
    const kinds = findings.map((f) => f.what.split('/')[0]);
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Job', 'PersistentVolumeClaim', 'ScaledObject', 'PodDisruptionBudget',
      'PodMonitor', 'ServiceMonitor', 'PrometheusRule', 'Kustomization']) expect(kinds, kind).to.include(kind);
  });

  it('rejects a wrong type: replicas as a string', () => {
    expect(checkEdited('producer.yaml', (t) => t.replace('  replicas: 1\n', '  replicas: "1"\n')))
      .to.deep.equal(['deploy/k8s/producer.yaml#1: /spec/replicas: must be integer']);
  });

  it('rejects unknown fields, as kubeconform -strict does: a misspelt probe field, a field at the wrong level', () => {
    expect(checkEdited('consumer.yaml', (t) => t.replace('            periodSeconds: 5\n', '            periodSecond: 5\n')))
      .to.deep.equal(['deploy/k8s/consumer.yaml#1: /spec/template/spec/containers/0/startupProbe/periodSecond: unknown field']);
    expect(checkEdited('dashboard.yaml', (t) => t.replace('  type: ClusterIP\n', '  type: ClusterIP\n  replicas: 2\n')))
      .to.deep.equal(['deploy/k8s/dashboard.yaml#2: /spec/replicas: unknown field']);
    expect(checkEdited('consumer-autoscaling.yaml', (t) => t.replace('  minReplicaCount: 0\n', '  minReplicas: 0\n')))
      .to.deep.equal(['deploy/k8s/consumer-autoscaling.yaml#1: /spec/minReplicas: unknown field']);
  });

  it('rejects a KEDA trigger without its metadata, and a PodDisruptionBudget with a bad policy', () => {
    const noMetadata = checkEdited('consumer-autoscaling.yaml', (t) => t.replace(/\n {6}metadata:\n(?: {8}.*\n)+/, '\n'));
    expect(noMetadata).to.deep.equal(['deploy/k8s/consumer-autoscaling.yaml#1: /spec/triggers/0: must have required property metadata']);
    const badPolicy = checkEdited('disruption-budgets.yaml', (t) => t.replace('unhealthyPodEvictionPolicy: AlwaysAllow', 'unhealthyPodEvictionPolicy: 1'));
    expect(badPolicy.join('\n')).to.match(/#1: \/spec\/unhealthyPodEvictionPolicy: must be string/);
  });

  it('rejects an apiVersion or kind no schema knows', () => {
    expect(checkEdited('consumer-autoscaling.yaml', (t) => t.replace('apiVersion: keda.sh/v1alpha1', 'apiVersion: keda.sh/v1')))
      .to.deep.equal(['deploy/k8s/consumer-autoscaling.yaml#1: no schema for apiVersion keda.sh/v1, kind ScaledObject (not Kubernetes, KEDA or Prometheus Operator)']);
    expect(checkEdited('producer.yaml', (t) => t.replace('kind: Deployment', 'kind: Deploymnet')).join('\n')).to.match(/no schema for apiVersion apps\/v1, kind Deploymnet/);
  });

  it('rejects a kustomization with a missing resource, an unknown field, a bad label or image tag', () => {
    expect(checkEdited('kustomization.yaml', (t) => t.replace('  - dashboard.yaml\n', '  - dashbord.yaml\n')))
      .to.deep.equal(['deploy/k8s/kustomization.yaml#1: resources: dashbord.yaml is not a file or a kustomization directory here (remote resources are not used)']);
    expect(checkEdited('kustomization.yaml', (t) => t.replace('resources:\n', 'resource:\n')).join('\n')).to.match(/Unrecognized key.*"resource"/);
    expect(checkEdited('kustomization.yaml', (t) => t.replace('app.kubernetes.io/part-of: tracktion-migrate', 'app.kubernetes.io/part-of: "tracktion migrate"')).join('\n'))
      .to.match(/labels\.0\.pairs\.app\.kubernetes\.io\/part-of: must be a label value/);
    expect(checkEdited('kustomization.yaml', (t) => t.replace('newTag: 0.1.0', 'newTag: ":0.1.0"')).join('\n')).to.match(/images\.0\.newTag: must be a tag/);
    expect(checkEdited('monitoring/kustomization.yaml', (t) => t.replace('  - podmonitor.yaml\n', '  - ../monitoring-missing\n')).join('\n'))
      .to.match(/monitoring-missing is not a file or a kustomization directory/);
  });

  it('reports YAML errors (a duplicate key) instead of reading half a file', () => {
    expect(checkEdited('namespace.yaml', (t) => `${t}  name: other\n`).join('\n')).to.match(/namespace\.yaml#1: .*(unique|duplicate)/i);
  });

  it('the command prints every document, exits 0 on the shipped manifests and 1 on a broken one', () => {
    const shipped = spawnSync(process.execPath, ['dist/tools/k8s/validateManifests.js'], { encoding: 'utf8' });
    expect(shipped.status, shipped.stdout + shipped.stderr).to.equal(0);
    expect(shipped.stdout).to.match(/^ok {3}deploy\/k8s\/producer\.yaml#1 Deployment\/tracktion-migrate-producer$/m);
    expect(shipped.stdout).to.match(/^ok {3}deploy\/k8s\/monitoring\/prometheusrule\.yaml#1 PrometheusRule\/tracktion-migrate-alerts$/m);
    const dir = mkdtempSync(join(tmpdir(), 'tm-k8s-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'consumer.yaml'), read('consumer.yaml').replace('      terminationGracePeriodSeconds: 90\n', '      terminationGracePeriodSeconds: "90"\n'));
      writeFileSync(join(dir, 'namespace.yaml'), read('namespace.yaml'));
      const broken = spawnSync(process.execPath, ['dist/tools/k8s/validateManifests.js', dir], { encoding: 'utf8' });
      expect(broken.status).to.equal(1);
      expect(broken.stdout).to.include(`FAIL ${join(dir, 'sub', 'consumer.yaml')}#1 Deployment/tracktion-migrate-consumer`);
      expect(broken.stdout).to.include('/spec/template/spec/terminationGracePeriodSeconds: must be integer');
      expect(broken.stdout).to.include(`ok   ${join(dir, 'namespace.yaml')}#1 Namespace/tracktion`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the PrometheusRule (deploy/k8s/monitoring) is rendered from the alert rules', () => {
  it('is exactly what npm run deploy:render writes from deploy/prometheus/alerts.yml', () => {
    const committed = readFileSync(PROMETHEUS_RULE_FILE, 'utf8');
    expect(committed, `${PROMETHEUS_RULE_FILE} is out of date: npm run deploy:render`).to.equal(renderPrometheusRule(readFileSync(ALERTS_FILE, 'utf8')));
  });

  it('carries every rule of the alert file, and the comparison fails when a rule changes', () => {
    const alerts = readFileSync(ALERTS_FILE, 'utf8');
    const rendered = renderPrometheusRule(alerts);
    for (const name of [...alerts.matchAll(/- alert: (\w+)/g)].map((m) => m[1] as string)) expect(rendered, name).to.include(`- alert: ${name}\n`);
    const changed = renderPrometheusRule(alerts.replace('for: 10m', 'for: 11m'));
    expect(changed).not.to.equal(readFileSync(PROMETHEUS_RULE_FILE, 'utf8'));
  });
});
