import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/shared/config.js';
import { fleetNames } from '../../src/shared/names.js';
import { runCli } from '../helpers/cli.js';
import { manifestFiles } from '../../tools/k8s/validateManifests.js';
import { knownMetricNames, metricNamesIn } from './metricNames.js';

/**
 * The deployment files parsed and checked where it matters (no Docker or Kubernetes runs here): compose
 * services, Prometheus, Grafana, alert rules, the Kubernetes manifests — and that what they run (commands,
 * environment variables, metric names) is what the code and the tests here actually have.
 */

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (value ?? {}) as Obj;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const read = (path: string) => readFileSync(path, 'utf8');

/** Compose's variable interpolation in every string value, with an empty environment: ${X:-default} → default, ${X} → "". */
function interpolate(value: unknown, env: Record<string, string> = {}): unknown {
  if (typeof value === 'string') return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, name: string, fallback?: string) => env[name] || fallback || '');
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}

/** docker-compose.yml as Compose reads it: YAML with merge keys, then variables interpolated. */
const readCompose = (): Obj => obj(interpolate(parse(read('docker-compose.yml'), { merge: true })));

/** Every variable .env.example documents (the list config.ts reads). */
const KNOWN_VARIABLES = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string));

/** 75s, 1m30s, 90 → milliseconds. */
function durationMs(value: unknown): number {
  const text = String(value);
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms'];
  return ms;
}

/** Every metric an expression selects is one the fleet, Prometheus or a deployed exporter publishes. */
function expectKnownMetrics(expr: string, where: string): void {
  const known = knownMetricNames();
  const used = metricNamesIn(expr);
  expect(used.length, `${where} selects a metric`).to.be.greaterThan(0);
  for (const name of used) expect(known.has(name), `${where}: ${name} is not a known metric (test/deploy/metricNames.ts)`).to.equal(true);
}

/** PostgreSQL connections each process holds at most, read from the code that sizes its pool. */
function poolSizes(): { producer: number; dashboard: number; consumerBeyondPrefetch: number } {
  const producer = /applicationName: 'tracktion-producer', max: (\d+)/.exec(read('src/producer/main.ts'));
  const dashboard = /applicationName: 'tracktion-dashboard', max: (\d+)/.exec(read('src/dashboard/main.ts'));
  const consumer = /max: options\.prefetch \+ (\d+)/.exec(read('src/consumers/main.ts'));
  expect(producer && dashboard && consumer, 'pool sizes found in the code').to.not.equal(null);
  return { producer: Number(producer?.[1]), dashboard: Number(dashboard?.[1]), consumerBeyondPrefetch: Number(consumer?.[1]) };
}

describe('deployment files', () => {
  describe('docker-compose.yml', () => {
    const compose = readCompose();
    const services = obj(compose.services);
    const service = (name: string) => obj(services[name]);
    const APP = ['producer', 'consumer', 'dashboard'];

    it('has every part: services, a one-shot migrate, the fleet, Prometheus and Grafana', () => {
      expect(Object.keys(services)).to.include.members(['postgres', 'rabbitmq', 'redis', 'migrate', ...APP, 'prometheus', 'grafana']);
      expect(service('postgres').image).to.equal('postgres:15');
      expect(service('rabbitmq').image).to.match(/^rabbitmq:3\.10/);
      expect(service('redis').image).to.match(/^redis:7/);
    });

    it('runs migrate once, on `up`, and every app service waits for it to complete successfully', () => {
      const migrate = service('migrate');
      expect(migrate.command).to.deep.equal(['db', 'migrate']);
      expect(migrate.restart).to.equal('no');
      expect(migrate.profiles, 'migrate must run on a plain `docker compose up`').to.equal(undefined);
      expect(obj(obj(migrate.depends_on).postgres).condition).to.equal('service_healthy');
      for (const name of APP) {
        const deps = obj(service(name).depends_on);
        expect(obj(deps.migrate).condition, name).to.equal('service_completed_successfully');
        for (const dep of ['postgres', 'rabbitmq', 'redis']) expect(obj(deps[dep]).condition, `${name} → ${dep}`).to.equal('service_healthy');
      }
    });

    it('lets `--scale consumer=N` work: no fixed names or host ports on producer and consumer', () => {
      for (const name of ['producer', 'consumer']) {
        expect(service(name).container_name, name).to.equal(undefined);
        expect(service(name).ports, name).to.equal(undefined);
      }
    });

    it('gives producer and consumer a stop grace period longer than the drain, and the drain covers a range', () => {
      for (const name of ['producer', 'consumer']) {
        const env = obj(service(name).environment);
        const config = loadConfig(env as Record<string, string>);
        expect(config.SHUTDOWN_GRACE_MS, `${name}: SHUTDOWN_GRACE_MS ≥ a range's longest run`).to.be.at.least(config.RANGE_STATEMENT_TIMEOUT_MS);
        expect(durationMs(service(name).stop_grace_period), `${name}: stop_grace_period`).to.be.greaterThan(config.SHUTDOWN_GRACE_MS);
      }
    });

    it('configures Redis for BullMQ (noeviction) with append-only persistence, and RabbitMQ with the management and Prometheus plugins', () => {
      const redis = list(service('redis').command).join(' ');
      expect(redis).to.match(/--maxmemory-policy noeviction/);
      expect(redis).to.match(/--appendonly yes/);
      const mount = list(service('rabbitmq').volumes).map(String).find((v) => v.endsWith(':/etc/rabbitmq/enabled_plugins:ro'));
      expect(mount, 'enabled_plugins mounted').to.be.a('string');
      const plugins = read((mount as string).split(':')[0] as string);
      expect(plugins).to.match(/rabbitmq_management/).and.match(/rabbitmq_prometheus/).and.match(/\]\.\s*$/);
    });

    it('has a healthcheck on every long-running service; app services ask their own /readyz', () => {
      for (const [name, raw] of Object.entries(services)) {
        const s = obj(raw);
        const check = obj(s.healthcheck);
        const oneShot = s.restart === 'no' || list(s.profiles).includes('tools');
        if (oneShot) {
          expect(check.disable, `${name} is a one-shot: its healthcheck is disabled on purpose`).to.equal(true);
          continue;
        }
        expect(list(check.test).length, `${name} has a healthcheck`).to.be.greaterThan(1);
      }
      for (const name of APP) {
        const env = obj(service(name).environment);
        const port = name === 'dashboard' ? env.DASHBOARD_PORT : env.METRICS_PORT;
        expect(list(obj(service(name).healthcheck).test).join(' '), name).to.include(`127.0.0.1:${String(port)}/readyz`);
      }
    });

    it('runs commands the CLI has, with environment variables the configuration knows and accepts', async () => {
      for (const name of ['migrate', ...APP]) {
        const s = service(name);
        const env = obj(s.environment) as Record<string, string>;
        for (const key of Object.keys(env)) expect(KNOWN_VARIABLES.has(key), `${name}: ${key} is documented in .env.example`).to.equal(true);
        expect(() => loadConfig(env), name).not.to.throw();
        const help = await runCli([...list(s.command).map(String), '--help']);
        expect(help.code, `${name}: ${list(s.command).join(' ')} --help\n${help.stderr}`).to.equal(0);
      }
      const metricsEnv = obj(service('consumer').environment);
      expect(metricsEnv.METRICS_HOST, 'containers listen on all interfaces so Prometheus can scrape').to.equal('0.0.0.0');
      expect(list(service('dashboard').ports), 'the dashboard is published on loopback only').to.deep.equal(['127.0.0.1:8080:8080']);
    });

    it('runs postgres_exporter with the credentials of the schema owner\'s DATABASE_URL, its password only from the environment', () => {
      const raw = obj(obj(parse(read('docker-compose.yml'), { merge: true }).services)['postgres-exporter']);
      expect(String(raw.image)).to.match(/^quay\.io\/prometheuscommunity\/postgres-exporter:v\d/);
      expect(obj(raw.environment).DATA_SOURCE_PASS, 'the variable, never a value').to.equal('${POSTGRES_PASSWORD:-postgres}');
      expect(obj(raw.environment).DATA_SOURCE_NAME, 'no DSN with a password inside').to.equal(undefined);
      const withPassword = obj(interpolate(parse(read('docker-compose.yml'), { merge: true }), { POSTGRES_PASSWORD: 'from-the-environment' }));
      const exporter = obj(obj(obj(withPassword.services)['postgres-exporter']).environment);
      const app = new URL(String(obj(obj(obj(withPassword.services).migrate).environment).DATABASE_URL));
      expect(exporter.DATA_SOURCE_PASS).to.equal(decodeURIComponent(app.password)).and.to.equal('from-the-environment');
      expect(exporter.DATA_SOURCE_USER).to.equal(app.username);
      expect(exporter.DATA_SOURCE_URI).to.equal(`${app.host}${app.pathname}?sslmode=disable`);
      expect(obj(obj(raw.depends_on).postgres).condition).to.equal('service_healthy');
    });

    it('mounts files that exist in the repository', () => {
      for (const [name, raw] of Object.entries(services)) {
        for (const volume of list(obj(raw).volumes).map(String)) {
          if (!volume.startsWith('./')) continue;
          expect(existsSync(volume.split(':')[0] as string), `${name}: ${volume}`).to.equal(true);
        }
      }
    });
  });

  describe('Prometheus and Grafana', () => {
    const compose = readCompose();
    const services = obj(compose.services);
    const prometheus = obj(parse(read('deploy/prometheus/prometheus.yml')));

    it('scrapes every role on the ports they listen on, and the broker; loads the alert rules', () => {
      const jobs = list(prometheus.scrape_configs).map(obj);
      const byName = (n: string) => jobs.find((j) => j.job_name === n) ?? {};
      const metricsPort = Number(obj(obj(services.consumer).environment).METRICS_PORT);
      for (const role of ['producer', 'consumer']) {
        const sd = obj(list(byName(`backfill-${role}`).dns_sd_configs)[0]);
        expect(sd.names, role).to.deep.equal([role]);
        expect(sd.port, role).to.equal(metricsPort);
      }
      const dashboardPort = obj(obj(services.dashboard).environment).DASHBOARD_PORT;
      expect(obj(list(byName('backfill-dashboard').static_configs)[0]).targets).to.deep.equal([`dashboard:${String(dashboardPort)}`]);
      expect(obj(list(byName('rabbitmq').static_configs)[0]).targets).to.deep.equal(['rabbitmq:15692']);
      expect(byName('rabbitmq').metrics_path, 'queue metrics labelled by queue').to.equal('/metrics/per-object');
      expect(obj(list(byName('postgres').static_configs)[0]).targets).to.deep.equal(['postgres-exporter:9187']);
      expect(prometheus.rule_files).to.deep.equal(['/etc/prometheus/alerts.yml']);
      expect(list(obj(services.prometheus).volumes)).to.include('./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');
    });

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes. */
    const operationsAnchors = [...read('docs/operations.md').matchAll(/^#{1,6} (.+)$/gm)]
      .map((m) => (m[1] as string).trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));

    it('ships the alert rules worth paging on, on metrics that exist, each with its runbook entry', () => {
      const rules = list(obj(list(obj(parse(read('deploy/prometheus/alerts.yml'))).groups)[0]).rules).map(obj);
      expect(rules.map((r) => r.alert)).to.include.members(['BackfillJobStalled', 'BackfillDeadLetterGrowing', 'BackfillNoLiveConsumers',
        'BackfillRangesFailed', 'BackfillRowErrorRatioHigh', 'BackfillScrapeTargetDown', 'BackfillThrottleHeldLong']);
      for (const rule of rules) {
        expect(rule.expr, String(rule.alert)).to.be.a('string');
        expect(String(rule.for), String(rule.alert)).to.match(/^\d+m$/);
        expect(obj(rule.labels).severity, String(rule.alert)).to.be.oneOf(['warning', 'critical']);
        expect(obj(rule.annotations).summary, String(rule.alert)).to.be.a('string');
        expectKnownMetrics(String(rule.expr), String(rule.alert));
        const runbook = /^docs\/operations\.md#([a-z0-9-]+)$/.exec(String(obj(rule.annotations).runbook_url));
        expect(runbook, `${String(rule.alert)}: runbook_url into docs/operations.md`).to.not.equal(null);
        expect(operationsAnchors, `${String(rule.alert)}: docs/operations.md has #${String(runbook?.[1])}`).to.include(runbook?.[1]);
      }
    });

    it('provisions the data source and the backfill dashboard from files, with panels on metrics that exist', () => {
      const datasource = obj(list(obj(parse(read('deploy/grafana/provisioning/datasources/prometheus.yml'))).datasources)[0]);
      expect(datasource.url).to.equal('http://prometheus:9090');
      const provider = obj(list(obj(parse(read('deploy/grafana/provisioning/dashboards/backfill.yml'))).providers)[0]);
      const grafanaVolumes = list(obj(services.grafana).volumes).map(String);
      expect(grafanaVolumes).to.include(`./deploy/grafana/dashboards:${String(obj(provider.options).path)}:ro`);
      expect(grafanaVolumes).to.include('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
      const files = readdirSync('deploy/grafana/dashboards').filter((f) => f.endsWith('.json'));
      expect(files).to.deep.equal(['backfill.json']);
      // Its queries and data source variable: grafanaDashboard.test.ts.
      const dashboard = JSON.parse(read('deploy/grafana/dashboards/backfill.json')) as { uid: string; panels: { title: string }[] };
      expect(dashboard.uid).to.be.a('string');
      const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
      for (const word of ['progress', 'rate', 'eta', 'queue depth', 'consumers', 'errors', 'throttle', 'rabbitmq', 'postgresql']) expect(titles, word).to.include(word);
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

    it('builds one image with a small runtime stage, run as a non-root user with node as the entry', () => {
      expect(dockerfile.match(/^FROM /gm)?.length, 'a build stage and a runtime stage').to.equal(2);
      expect(runtime).to.match(/^USER node$/m);
      expect(runtime).to.match(/^ENTRYPOINT \["node", "--max-semi-space-size=2", "dist\/src\/cli\/main\.js"\]$/m);
      expect(dockerfile).not.to.match(/npm (run )?start/);
      expect(runtime, 'no compiler or tests in the runtime stage').not.to.match(/COPY (src|test|tsconfig)/);
      expect(runtime).to.match(/^EXPOSE 9464 8080$/m);
    });
  });

  describe('Kubernetes manifests (deploy/k8s)', () => {
    const documents = readdirSync('deploy/k8s').filter((f) => f.endsWith('.yaml')).flatMap((file) =>
      parseAllDocuments(read(join('deploy/k8s', file))).map((d) => ({ file, doc: obj(d.toJS()) })));
    const ofKind = (kind: string) => documents.filter((d) => d.doc.kind === kind).map((d) => d.doc);
    const named = (kind: string, name: string) => ofKind(kind).find((d) => obj(d.metadata).name === name) ?? {};
    const config = obj(named('ConfigMap', 'tracktion-migrate-config').data) as Record<string, string>;
    const podSpec = (workload: Obj) => obj(obj(obj(workload.spec).template).spec);
    const container = (workload: Obj) => obj(list(podSpec(workload).containers)[0]);
    const deployments = () => ofKind('Deployment');

    it('parse, and kustomization lists every manifest but the migration Job (which runs first)', () => {
      expect(documents.every((d) => typeof d.doc.kind === 'string' || d.file === 'kustomization.yaml')).to.equal(true);
      const kustomization = obj(parse(read('deploy/k8s/kustomization.yaml')));
      const resources = list(kustomization.resources).map(String);
      for (const file of resources) expect(existsSync(join('deploy/k8s', file)), file).to.equal(true);
      expect(resources).not.to.include('migrate-job.yaml');
      const job = named('Job', 'tracktion-migrate-db');
      expect(container(job).args).to.deep.equal(['db', 'migrate']);
      expect(podSpec(job).restartPolicy).to.equal('Never');
    });

    it('runs producer, consumer and dashboard with probes on /healthz and /readyz and a grace period longer than a range', () => {
      const roles = deployments().map((d) => list(container(d).args)[0]);
      expect(roles).to.have.members(['producer', 'consumer', 'dashboard']);
      const shutdownGraceMs = loadConfig(config).SHUTDOWN_GRACE_MS;
      for (const deployment of deployments()) {
        const c = container(deployment);
        const role = String(list(c.args)[0]);
        const portName = obj(list(c.ports)[0]).name;
        expect(obj(obj(c.livenessProbe).httpGet), role).to.deep.equal({ path: '/healthz', port: portName });
        expect(obj(obj(c.readinessProbe).httpGet), role).to.deep.equal({ path: '/readyz', port: portName });
        const port = obj(list(c.ports)[0]).containerPort;
        expect(port, role).to.equal(Number(role === 'dashboard' ? config.DASHBOARD_PORT : config.METRICS_PORT));
        expect(obj(obj(obj(deployment.spec).template).metadata).annotations, role).to.deep.include({ 'prometheus.io/port': String(port) });
        if (role !== 'dashboard') {
          expect(Number(podSpec(deployment).terminationGracePeriodSeconds) * 1000, role).to.be.greaterThan(shutdownGraceMs);
        }
        expect(obj(podSpec(deployment).securityContext).runAsNonRoot, role).to.equal(true);
        expect(obj(c.securityContext).allowPrivilegeEscalation, role).to.equal(false);
      }
      expect(loadConfig(config).SHUTDOWN_GRACE_MS).to.be.at.least(loadConfig(config).RANGE_STATEMENT_TIMEOUT_MS);
    });

    it('takes credentials from Secrets by reference, never inline; every variable is one the configuration knows', async () => {
      expect(ofKind('Secret'), 'no Secret with values in the manifests').to.deep.equal([]);
      for (const key of Object.keys(config)) expect(KNOWN_VARIABLES.has(key), `ConfigMap: ${key}`).to.equal(true);
      expect(() => loadConfig(config)).not.to.throw();
      for (const workload of [...deployments(), ...ofKind('Job')]) {
        const c = container(workload);
        for (const e of list(c.env).map(obj)) {
          expect(KNOWN_VARIABLES.has(String(e.name)), String(e.name)).to.equal(true);
          expect(e.value, `${String(e.name)} is never inline`).to.equal(undefined);
          expect(obj(obj(e.valueFrom).secretKeyRef).name, String(e.name)).to.be.a('string');
        }
        const names = list(c.env).map((e) => obj(e).name);
        expect(names, String(obj(workload.metadata).name)).to.include('DATABASE_URL');
        const help = await runCli([...list(c.args).map(String), '--help']);
        expect(help.code, `${list(c.args).join(' ')} --help`).to.equal(0);
      }
    });

    it('scales consumers with KEDA on backfill_consumers_wanted from Prometheus, from 0, within the database connection budget', () => {
      const scaled = ofKind('ScaledObject')[0] ?? {};
      const spec = obj(scaled.spec);
      const consumer = deployments().find((d) => list(container(d).args)[0] === 'consumer') ?? {};
      expect(obj(spec.scaleTargetRef).name).to.equal(obj(consumer.metadata).name);
      expect(obj(consumer.spec).replicas, 'no replicas on a Deployment KEDA owns: every apply would reset it').to.equal(undefined);
      const triggers = list(spec.triggers).map(obj);
      expect(triggers.map((t) => t.type), 'one trigger, on the metric that respects pause and throttle').to.deep.equal(['prometheus']);
      const meta = obj(triggers[0]?.metadata);
      expect(meta.query).to.be.a('string');
      expect(metricNamesIn(String(meta.query))).to.deep.equal(['backfill_consumers_wanted']);
      expectKnownMetrics(String(meta.query), 'the KEDA query');
      expect(String(meta.query), 'max over the producers, which all export the same value').to.match(/^max\(/);
      const kustomization = obj(parse(read('deploy/k8s/kustomization.yaml')));
      expect(String(meta.query), 'the query reads this kustomization\'s namespace').to.include(`namespace="${String(kustomization.namespace)}"`);
      expect(meta.threshold, 'replicas = the metric').to.equal('1');
      expect(meta.ignoreNullValues, 'no series (producer not scraped) is an error that keeps the count, not 0').to.equal('false');
      expect(new URL(String(meta.serverAddress)).protocol).to.match(/^https?:$/);
      expect(spec.fallback, 'no fallback: a fixed count would start consumers for a paused job').to.equal(undefined);
      expect(spec.minReplicaCount, 'a paused or held fleet holds no database connection').to.equal(0);

      const budget = Number(obj(obj(scaled.metadata).annotations)['tracktion-migrate/database-connection-budget']);
      const replicasOf = (role: string) => Number(obj((deployments().find((d) => list(container(d).args)[0] === role) ?? {}).spec).replicas ?? 1);
      const pools = poolSizes();
      const perConsumer = Number(config.CONSUMER_PREFETCH) + pools.consumerBeyondPrefetch;
      const expected = Math.floor((budget - replicasOf('producer') * pools.producer - replicasOf('dashboard') * pools.dashboard - 2) / perConsumer);
      expect(spec.maxReplicaCount, 'maxReplicaCount = floor((budget − producers×pool − dashboards×pool − 2) / (prefetch + 2))').to.equal(expected);
    });

    it('repeats no queue name: nothing outside the code spells the work queue (src/shared/names.ts)', () => {
      const queue = fleetNames(config.TRACKTION_NAMESPACE as string).workQueue;
      for (const file of manifestFiles('deploy/k8s')) expect(read(file), file).not.to.include(queue).and.not.to.match(/backfill\.ranges/);
    });

    it('has a PodDisruptionBudget for each Deployment that never blocks a drain', () => {
      const budgets = ofKind('PodDisruptionBudget');
      for (const deployment of deployments()) {
        const labels = obj(obj(obj(deployment.spec).template).metadata).labels as Record<string, string>;
        const name = String(obj(deployment.metadata).name);
        const matching = budgets.filter((b) => Object.entries(obj(obj(obj(b.spec).selector).matchLabels)).every(([k, v]) => labels[k] === v));
        expect(matching.length, `${name}: one PodDisruptionBudget`).to.equal(1);
        const budget = obj(matching[0]?.spec);
        expect(budget.minAvailable, `${name}: minAvailable on one replica allows no eviction`).to.equal(undefined);
        expect(String(budget.maxUnavailable), name).to.match(/^([1-9]\d*|[1-9]\d?%)$/);
        expect(budget.unhealthyPodEvictionPolicy, `${name}: a pod that is not ready never holds a node`).to.equal('AlwaysAllow');
      }
    });

    it('monitoring/ scrapes producer and consumer pods on their metrics port and the dashboard Service, as the scrape jobs the alerts know', () => {
      const monitoring = manifestFiles('deploy/k8s/monitoring').flatMap((file) => parseAllDocuments(read(file)).map((d) => obj(d.toJS())));
      const kustomization = monitoring.find((d) => d.kind === 'Kustomization') ?? {};
      expect(list(kustomization.resources).length, 'the monitoring kustomization lists its files').to.equal(monitoring.length - 1);
      expect(kustomization.namespace).to.equal(obj(parse(read('deploy/k8s/kustomization.yaml'))).namespace);
      const podMonitor = obj(monitoring.find((d) => d.kind === 'PodMonitor')?.spec);
      const selected = list(obj(podMonitor.selector).matchExpressions).map(obj).find((e) => e.key === 'app.kubernetes.io/component');
      expect(selected?.values).to.have.members(['producer', 'consumer']);
      const endpoint = obj(list(podMonitor.podMetricsEndpoints)[0]);
      for (const role of ['producer', 'consumer']) {
        const d = deployments().find((x) => list(container(x).args)[0] === role) ?? {};
        expect(list(container(d).ports).map((p) => obj(p).name), role).to.include(endpoint.port);
      }
      expect(endpoint.path).to.equal('/metrics');
      expect(obj(list(endpoint.relabelings)[0]).replacement, 'job backfill-<role>, as BackfillScrapeTargetDown expects').to.equal('backfill-$1');
      const serviceMonitor = obj(monitoring.find((d) => d.kind === 'ServiceMonitor')?.spec);
      const service = named('Service', 'tracktion-migrate-dashboard');
      expect(list(obj(service.spec).ports).map((p) => obj(p).name)).to.include(obj(list(serviceMonitor.endpoints)[0]).port);
      expect(obj(serviceMonitor.selector).matchLabels).to.deep.equal(obj(obj(service.metadata).labels));
      expect(monitoring.some((d) => d.kind === 'PrometheusRule'), 'the alert rules (rendered: manifestValidation.test.ts)').to.equal(true);
    });
  });
});
