/**
 * deploy/kserve/, checked offline: the ServingRuntime and InferenceService validate against the
 * KServe CRD fields they rely on (kserve-crd-fields.ts) and their container against the
 * Kubernetes Container schema; they select each other; the container uses the Dockerfile's port
 * and the image of deploy/k8s; the probes and the metrics annotation point at routes the real app
 * answers; the configuration is the service's own; the time and concurrency budgets nest.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { Container } from 'kubernetes-models/v1';
import { ConfigSchema, loadConfig } from '../../src/config.js';
import { buildTestApp } from '../helpers/app.js';
import { InferenceServiceSchema, ServingRuntimeSchema } from './kserve-crd-fields.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(ROOT + file, 'utf8');
type Manifest = Record<string, any>;
const runtime = parse(read('deploy/kserve/servingruntime.yaml')) as Manifest;
const isvc = parse(read('deploy/kserve/inferenceservice.yaml')) as Manifest;
const deployment = parse(read('deploy/k8s/deployment.yaml')) as Manifest;
const container = runtime.spec.containers[0];
const env: Record<string, string> = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
const config = loadConfig(env);
const predictor = isvc.spec.predictor;

const cpus = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));

t.test('both manifests are valid against the KServe CRD fields they use', async (t) => {
  t.ok(
    Value.Check(ServingRuntimeSchema, runtime),
    [...Value.Errors(ServingRuntimeSchema, runtime)].map((e) => `${e.path} ${e.message}`).join('; ') || 'ServingRuntime',
  );
  t.ok(
    Value.Check(InferenceServiceSchema, isvc),
    [...Value.Errors(InferenceServiceSchema, isvc)].map((e) => `${e.path} ${e.message}`).join('; ') || 'InferenceService',
  );
  t.equal(runtime.spec.containers.length, 1);
  t.doesNotThrow(() => new Container(container).validate(), 'the container is a valid Kubernetes container');
  // The checks can fail: a misspelt field, a wrong enum value and a wrong type are rejected.
  const misspelt = structuredClone(isvc);
  misspelt.spec.predictor.model.protocolVersions = ['v2'];
  t.notOk(Value.Check(InferenceServiceSchema, misspelt), "model.protocolVersions (the runtime's field name) is not a model field");
  const badMetric = structuredClone(isvc);
  badMetric.spec.predictor.scaleMetric = 'latency';
  t.notOk(Value.Check(InferenceServiceSchema, badMetric), 'scaleMetric outside cpu, memory, concurrency, rps');
  const badPort = structuredClone(container);
  badPort.ports[0].containerPort = '3000';
  t.throws(() => new Container(badPort).validate(), 'a string port is rejected');
});

t.test('the InferenceService selects the runtime, its model format and the v2 protocol', async (t) => {
  const model = predictor.model;
  t.equal(model.runtime, runtime.metadata.name);
  t.equal(model.protocolVersion, 'v2');
  t.ok(runtime.spec.protocolVersions.includes(model.protocolVersion), 'the runtime speaks that protocol');
  t.ok(
    runtime.spec.supportedModelFormats.some(
      (f: Manifest) => f.name === model.modelFormat.name && f.version === model.modelFormat.version && f.autoSelect,
    ),
    'the runtime supports the model format (and would be selected by it alone)',
  );
  t.notOk('storageUri' in model, 'no model files to download: the models are built in');
  t.equal(runtime.spec.multiModel, false);
});

t.test('the container: image of deploy/k8s, the Dockerfile port, the service configuration', async (t) => {
  t.equal(container.name, 'kserve-container', 'the name KServe merges the model spec into');
  t.equal(container.image, deployment.spec.template.spec.containers[0].image, 'the same image as deploy/k8s');
  const dockerfile = read('Dockerfile');
  t.equal(container.ports.length, 1, 'Knative routes to a single port');
  const [port] = container.ports;
  t.match(dockerfile, new RegExp(`^EXPOSE ${port.containerPort}$`, 'm'), 'the port the image exposes');
  t.match(dockerfile, new RegExp(`PORT=${port.containerPort}\\b`), 'and listens on (PORT in the image)');
  t.equal(port.name, 'http1', 'HTTP/1.1 for Knative');
  t.notOk('PORT' in env, 'Knative sets PORT to the container port and rejects it in env');
  const known = Object.keys(ConfigSchema.properties);
  for (const name of Object.keys(env)) t.ok(known.includes(name), `${name} is a configuration variable`);
  t.equal(config.POOL_SIZE, cpus(container.resources.limits.cpu), 'one worker thread per CPU of the limit');
  t.same(container.resources.requests, container.resources.limits, 'requests = limits: a guaranteed pod, no CPU throttling surprises');
  t.equal(container.securityContext.runAsUser, 1000, "the image's user");
  t.match(dockerfile, /^USER 1000:1000$/m);
});

t.test('probes and the metrics annotation point at routes the real service answers', async (t) => {
  const port = container.ports[0].containerPort;
  t.equal(container.livenessProbe.httpGet.path, '/v2/health/live');
  t.equal(container.readinessProbe.httpGet.path, '/v2/health/ready', 'readiness follows draining (503)');
  for (const probe of [container.livenessProbe, container.readinessProbe]) t.equal(probe.httpGet.port, port);
  const annotations = runtime.spec.annotations;
  t.equal(Number(annotations['prometheus.kserve.io/port']), port);
  const app = await buildTestApp(t, env);
  for (const path of [
    container.livenessProbe.httpGet.path,
    container.readinessProbe.httpGet.path,
    annotations['prometheus.kserve.io/path'],
  ]) {
    t.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200, `GET ${path}`);
  }
  t.ok(container.readinessProbe.timeoutSeconds * 1000 < config.REQUEST_TIMEOUT_MS);
});

t.test('autoscaling and time budgets nest', async (t) => {
  t.ok(predictor.minReplicas >= 1 && predictor.maxReplicas > predictor.minReplicas, 'min 1 (no cold start), room to grow');
  t.equal(predictor.scaleMetric, 'concurrency', 'scaled on requests in flight (the Knative Pod Autoscaler)');
  t.ok(predictor.scaleTarget >= config.POOL_SIZE, 'the target keeps every worker thread busy');
  t.ok(predictor.containerConcurrency >= predictor.scaleTarget, 'the hard cap is above the soft target');
  t.ok(predictor.containerConcurrency <= config.POOL_SIZE + config.POOL_MAX_QUEUE, 'the cap is reached before the service sheds (503)');
  t.ok(
    predictor.timeout * 1000 > config.REQUEST_TIMEOUT_MS,
    "the ingress waits longer than the service's own deadline (504 with a reason)",
  );
  const annotations = isvc.metadata.annotations;
  t.equal(annotations['serving.kserve.io/deploymentMode'], 'Serverless');
  t.equal(annotations['autoscaling.knative.dev/class'], 'kpa.autoscaling.knative.dev');
  const utilization = Number(annotations['autoscaling.knative.dev/target-utilization-percentage']);
  t.ok(utilization > 0 && utilization <= 100, 'a percentage');
  t.match(annotations['autoscaling.knative.dev/window'], /^\d+s$/);
  t.ok(Number(annotations['autoscaling.knative.dev/initial-scale']) >= predictor.minReplicas);
});
