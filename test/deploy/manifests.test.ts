/**
 * The deployment files agree with the service and with each other, checked offline: the
 * Kubernetes manifests validate against the Kubernetes API schemas (kubernetes-models) and use
 * the service's real ports, probe paths and configuration variables; time budgets nest
 * (drain < stop grace); POOL_SIZE matches the CPU limit; the load balancer retries what a
 * draining replica refuses; Prometheus scrapes the replicas directly; the Grafana dashboard only
 * queries metrics the service exports. scripts/container-test.sh runs the same files for real.
 */
import t from 'tap';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigSchema, loadConfig } from '../../src/config.js';
import { RECORDED_EXAMPLES_FILE } from '../../src/schemas/recorded-example.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(ROOT + file, 'utf8');
const DEFAULTS = loadConfig({}); // the service's own defaults, from the config schema
const CONFIG_VARIABLES = Object.keys(ConfigSchema.properties);

/** Metric names the service exports on /metrics (prom-client defaults included). */
const SERVICE_METRICS = [
  'http_request_duration_seconds',
  'http_requests_in_flight',
  'focal_pool_queue_depth',
  'focal_pool_utilization',
  'focal_pool_workers',
  'focal_elements_total',
  'focal_kernel_duration_seconds',
  'focal_rejected_requests_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
];

/** "15s", "1m30s", "500ms" -> milliseconds (Compose durations). */
function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: ${text}`);
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * units[unit], 0);
}

/** "2", "1.5", "500m" -> CPUs (Kubernetes quantities). */
function cpus(quantity: string | number): number {
  const text = String(quantity);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

/** Compose's ${VAR:-default} interpolation with every variable unset. */
function withComposeDefaults(text: string): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
    if (fallback === undefined) throw new Error(`\${${name}} has no default`);
    return fallback;
  });
}

// ------------------------------------------------------------------------------------------------
// Kubernetes

const K8S_DIR = 'deploy/k8s/';
const kustomization = parse(read(`${K8S_DIR}kustomization.yaml`)) as { resources: string[]; images: { name: string }[] };

type Manifest = Record<string, any>;
const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(read(K8S_DIR + file)).map((doc) => doc.toJS() as Manifest),
);
const byKind = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
};
const deployment = byKind('Deployment');
const service = byKind('Service');
const hpa = byKind('HorizontalPodAutoscaler');
const pdb = byKind('PodDisruptionBudget');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const env = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));

t.test('kustomization lists every manifest in deploy/k8s, and only those', async (t) => {
  const files = readdirSync(ROOT + K8S_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  t.same([...kustomization.resources].sort(), files.sort());
  t.same(
    kustomization.images.map((i) => i.name),
    [container.image.split(':')[0]],
    'the image override names the Deployment image',
  );
});

t.test('every manifest is valid against the Kubernetes API schema', async (t) => {
  const models = { Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget } as const;
  t.equal(manifests.length, 4);
  for (const m of manifests) {
    const Model = models[m.kind as keyof typeof models];
    t.ok(Model, `${m.kind} is one of the expected kinds`);
    t.doesNotThrow(() => new Model(m as never).validate(), `${m.kind}/${m.metadata.name}`);
  }
  // The validator is strict enough to catch a wrong type.
  const broken = structuredClone(deployment);
  broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
  t.throws(() => new Deployment(broken as never).validate(), 'a string port is rejected');
});

t.test('the container listens where the probes and the Service look', async (t) => {
  t.equal(container.ports.length, 1);
  const [port] = container.ports;
  t.equal(port.containerPort, DEFAULTS.PORT, 'the service default port');
  t.equal(Number(env.PORT ?? DEFAULTS.PORT), port.containerPort, 'PORT, if set, agrees');
  t.equal(container.livenessProbe.httpGet.path, '/healthz');
  t.equal(container.startupProbe.httpGet.path, '/healthz');
  t.equal(container.readinessProbe.httpGet.path, '/readyz', 'readiness follows draining (503)');
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
    t.equal(probe.httpGet.port, port.name, 'probes use the named container port');
  }
  t.equal(service.spec.ports[0].targetPort, port.name, 'the Service targets the same port');
});

t.test('labels and names tie the objects together', async (t) => {
  const podLabels = deployment.spec.template.metadata.labels;
  t.match(podLabels, deployment.spec.selector.matchLabels, 'the Deployment selects its pods');
  t.match(podLabels, service.spec.selector, 'the Service selects the pods');
  t.match(podLabels, pdb.spec.selector.matchLabels, 'the PodDisruptionBudget selects the pods');
  t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  t.notOk('replicas' in deployment.spec, 'the HPA, not the Deployment, owns the replica count');
});

t.test('every environment variable is a valid service setting', async (t) => {
  for (const name of Object.keys(env)) t.ok(CONFIG_VARIABLES.includes(name), `${name} is read by src/config.ts`);
  t.doesNotThrow(() => loadConfig(env), 'the values pass the configuration schema');
  t.equal(env.HOST, '0.0.0.0', 'reachable from outside the pod');
});

t.test('POOL_SIZE is the CPU limit, and requests = limits', async (t) => {
  t.equal(loadConfig(env).POOL_SIZE, cpus(container.resources.limits.cpu), 'one worker thread per CPU');
  t.same(container.resources.requests, container.resources.limits, 'Guaranteed QoS: no CPU throttling surprises');
  t.ok(container.resources.limits.memory, 'a memory limit');
});

t.test('shutdown budgets nest: preStop + drain < terminationGracePeriodSeconds', async (t) => {
  const preStop: string[] = container.lifecycle.preStop.exec.command;
  t.equal(preStop[0], 'sleep');
  const preStopMs = Number(preStop[1]) * 1000;
  const drainMs = loadConfig(env).SHUTDOWN_GRACE_MS;
  t.ok(preStopMs > 0, 'a preStop pause lets endpoint removal spread before SIGTERM');
  t.ok(
    preStopMs + drainMs < pod.terminationGracePeriodSeconds * 1000,
    `${preStopMs} + ${drainMs} ms < ${pod.terminationGracePeriodSeconds} s`,
  );
  t.ok(drainMs > loadConfig(env).REQUEST_TIMEOUT_MS / 10, 'the drain budget is not trivially short');
});

t.test('the pod runs unprivileged on a read-only root file system', async (t) => {
  t.equal(pod.securityContext.runAsNonRoot, true);
  t.not(pod.securityContext.runAsUser, 0);
  t.equal(container.securityContext.readOnlyRootFilesystem, true);
  t.equal(container.securityContext.allowPrivilegeEscalation, false);
  t.same(container.securityContext.capabilities.drop, ['ALL']);
  const tmp = container.volumeMounts.find((v: Manifest) => v.mountPath === '/tmp');
  t.ok(tmp, '/tmp is writable');
  t.ok(pod.volumes.find((v: Manifest) => v.name === tmp.name).emptyDir, 'from an emptyDir');
});

t.test('disruptions and scaling keep a replica serving', async (t) => {
  t.ok(hpa.spec.minReplicas >= 2, 'at least 2 replicas');
  t.ok(hpa.spec.maxReplicas > hpa.spec.minReplicas);
  t.ok(pdb.spec.maxUnavailable < hpa.spec.minReplicas, 'a node drain leaves one replica up');
  t.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rollout adds before it removes');
});

// ------------------------------------------------------------------------------------------------
// Docker and Compose

t.test('Dockerfile: base image argument, non-root user, health check, signals', async (t) => {
  const dockerfile = read('Dockerfile');
  t.match(dockerfile, /^ARG BASE_IMAGE=node:24-bookworm-slim$/m);
  t.equal([...dockerfile.matchAll(/^FROM \$\{BASE_IMAGE\} AS (\w+)$/gm)].length, 2, 'two stages from the base image');
  t.match(dockerfile, /^RUN npm ci --omit=dev --ignore-scripts/m, 'production dependencies only');
  t.match(dockerfile, /NODE_ENV=production/);
  t.match(dockerfile, /HOST=0\.0\.0\.0/);
  t.match(dockerfile, new RegExp(`^EXPOSE ${DEFAULTS.PORT}$`, 'm'));
  t.match(dockerfile, /^USER 1000:1000$/m, 'a numeric non-root user (Kubernetes can verify runAsNonRoot)');
  t.match(dockerfile, /^HEALTHCHECK .*\n\s+CMD \["node", "-e", "fetch\(.*\/healthz/m);
  t.match(dockerfile, /^CMD \["node", "dist\/server\.js"\]$/m, 'exec form, node itself: SIGTERM reaches the server');
  const ignore = read('.dockerignore');
  t.match(ignore, /^\*$/m, '.dockerignore is an allowlist');
  for (const kept of ['!package.json', '!package-lock.json', '!tsconfig.json', '!src/'])
    t.match(ignore, new RegExp(`^${kept.replace(/[.*]/g, '\\$&')}$`, 'm'));
  // Every file or folder the build copies from the context must be let through the allowlist,
  // or the image build fails (assembly/, the WebAssembly kernels' source, once was not).
  const allowed = new Set(
    ignore
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, '')),
  );
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].trim().split(/\s+/));
  t.ok(copied.includes('assembly'), "the kernels' source is copied");
  for (const source of copied) t.ok(allowed.has(source.replace(/\/$/, '')), `${source} is in the build context (.dockerignore)`);
  // The service reads the OpenAPI examples at run time from the package root, as dist/ sees it.
  const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
  const examples = RECORDED_EXAMPLES_FILE.replace(/\./g, '\\.');
  t.match(runtime, new RegExp(`^COPY ${examples} \\./${examples}$`, 'm'), `the runtime stage has ${RECORDED_EXAMPLES_FILE}`);
});

const compose = parse(withComposeDefaults(read('docker-compose.yml')), { merge: true }) as Record<string, any>;
const app = compose.services['focal-loss'];

t.test('compose: replicas with limits, POOL_SIZE to match, init and health checks', async (t) => {
  t.same(Object.keys(compose.services).sort(), ['focal-loss', 'grafana', 'lb', 'prometheus']);
  t.equal(app.deploy.replicas, 2, 'two replicas by default');
  t.equal(app.init, true, 'tini as PID 1');
  const appEnv = app.environment as Record<string, string>;
  for (const name of Object.keys(appEnv)) t.ok(CONFIG_VARIABLES.includes(name), `${name} is read by src/config.ts`);
  const config = loadConfig(Object.fromEntries(Object.entries(appEnv).map(([k, v]) => [k, String(v)])));
  t.equal(config.POOL_SIZE, Number(app.deploy.resources.limits.cpus), 'one worker per CPU of the limit');
  t.ok(app.deploy.resources.limits.memory, 'a memory limit');
  t.match(app.healthcheck.test.join(' '), /fetch\('http:\/\/127\.0\.0\.1:3000\/healthz'\)/);
  t.ok(durationMs(app.stop_grace_period) > config.SHUTDOWN_GRACE_MS, 'Docker waits longer than the service drains');
  t.same(app.expose, [String(config.PORT)]);
  t.same(app.ports, undefined, 'replicas are reached through the load balancer only');
});

t.test('compose: one published port on the load balancer, which starts after healthy replicas', async (t) => {
  const lb = compose.services.lb;
  t.equal(lb.ports.length, 1);
  t.match(lb.ports[0], /:8080$/);
  t.same(lb.depends_on, { 'focal-loss': { condition: 'service_healthy' } });
  // Every volume is a file or folder of the repository that exists, or a named volume the file declares.
  const mounts = ['lb', 'prometheus', 'grafana'].flatMap((name) =>
    (compose.services[name].volumes as string[]).map((volume) => ({ name, source: volume.split(':')[0] })),
  );
  const files = mounts.filter((m) => m.source.startsWith('./'));
  t.same(
    files.map((m) => m.source).sort(),
    [
      './deploy/grafana/dashboards',
      './deploy/grafana/provisioning',
      './deploy/nginx/focal-loss.conf',
      './deploy/prometheus/prometheus.yml',
    ],
    'the configuration is mounted from deploy/',
  );
  for (const { name, source } of files) t.ok(existsSync(ROOT + source.slice(2)), `${name} mounts ${source}, which exists`);
  const named = mounts.filter((m) => !m.source.startsWith('./'));
  t.same(named.map((m) => m.source).sort(), Object.keys(compose.volumes).sort(), 'the data volumes are the declared ones');
  for (const name of ['prometheus', 'grafana']) {
    for (const port of compose.services[name].ports as string[]) t.match(port, /^127\.0\.0\.1:/, `${name} is published on loopback only`);
  }
});

// ------------------------------------------------------------------------------------------------
// nginx, Prometheus, Grafana

t.test('nginx retries what a draining replica refuses, over kept-alive connections', async (t) => {
  const conf = read('deploy/nginx/focal-loss.conf').replace(/#.*$/gm, '');
  const directive = (name: string) => [...conf.matchAll(new RegExp(`^\\s*${name}\\s+([^;]*);`, 'gm'))].map((m) => m[1].trim());
  const servers = directive('server').filter((s) => !s.startsWith('{'));
  t.same(
    servers.map((s) => s.split(/\s+/)[0]),
    [`focal-loss:${DEFAULTS.PORT}`],
    'the Compose service, on the service port',
  );
  const retry = directive('proxy_next_upstream')[0].split(/\s+/);
  for (const condition of ['error', 'timeout', 'http_503', 'non_idempotent']) t.ok(retry.includes(condition), `retries on ${condition}`);
  t.ok(Number(directive('proxy_next_upstream_tries')[0]) >= 2);
  t.ok(Number(directive('keepalive')[0]) > 0, 'keeps connections to the replicas');
  t.same(directive('proxy_http_version'), ['1.1']);
  t.same(directive('proxy_set_header Connection'), ['""']);
  t.equal(directive('proxy_request_buffering')[0], 'on', 'the body is buffered, so it can be sent again');
  const bodyLimit = Number(directive('client_max_body_size')[0].replace(/m$/, '')) * 1024 * 1024;
  t.equal(bodyLimit, DEFAULTS.BODY_LIMIT, 'the same body limit as the service');
  const readTimeoutMs = Number(directive('proxy_read_timeout')[0].replace(/s$/, '')) * 1000;
  t.ok(readTimeoutMs > DEFAULTS.REQUEST_TIMEOUT_MS, 'nginx waits longer than the service works on a request');
  t.same(directive('listen'), ['8080']);
});

t.test('Prometheus scrapes every replica directly, found by DNS', async (t) => {
  const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as Record<string, any>;
  const job = prometheus.scrape_configs.find((j: Manifest) => j.job_name === 'focal-loss');
  t.equal(job.metrics_path, '/metrics');
  t.same(job.dns_sd_configs, [{ names: ['focal-loss'], type: 'A', port: DEFAULTS.PORT, refresh_interval: '15s' }]);
  t.notMatch(JSON.stringify(prometheus), /\blb\b|8080/, 'never through the load balancer');
});

t.test('the Grafana dashboard shows the asked-for panels from metrics the service exports', async (t) => {
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/focal-loss.json')) as {
    panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
  };
  const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
    datasources: { uid: string; url: string }[];
  };
  t.equal(datasources.datasources[0].url, 'http://prometheus:9090', 'the Compose Prometheus');
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr));
  const functions = new Set(['sum', 'by', 'rate', 'histogram_quantile', 'le', 'instance', 'job', 'route', 'mode', 'reason', 'status_code']);
  for (const expr of exprs) {
    // Every identifier followed by { or [ is a metric (label names are followed by = or ~).
    const metrics = [...expr.replace(/"[^"]*"/g, '""').matchAll(/([a-z_:][a-z0-9_:]*)\s*(?=[{[])/g)]
      .map((m) => m[1])
      .filter((m) => !functions.has(m));
    t.ok(metrics.length > 0, `${expr} queries a metric`);
    for (const m of metrics) t.ok(SERVICE_METRICS.includes(m.replace(/_(bucket|count|sum)$/, '')), `${m} is exported by the service`);
  }
  for (const p of dashboard.panels)
    t.equal(p.datasource.uid, datasources.datasources[0].uid, `${p.title} uses the provisioned data source`);
  const all = exprs.join('\n');
  t.match(all, /rate\(http_request_duration_seconds_count/, 'request rate');
  t.match(all, /histogram_quantile\(0\.5, .*http_request_duration_seconds_bucket/, 'p50 latency');
  t.match(all, /histogram_quantile\(0\.99, .*http_request_duration_seconds_bucket/, 'p99 latency');
  t.match(all, /focal_pool_queue_depth/, 'queue depth');
  t.match(all, /sum by \(reason\) \(rate\(focal_rejected_requests_total/, 'errors by reason');
});
