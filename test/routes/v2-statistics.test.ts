/**
 * Triton's statistics extension as tritonclient's get_inference_statistics() calls it: every
 * model, one model, one model version; counts and durations that follow the requests made (and
 * agree with GET /metrics, their one source); failures of a model counted as its failures, a
 * wrong model name counted nowhere; unknown models a 400 error object; the extension advertised.
 */
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { OipStatisticsSchema } from '../../src/schemas/oip-model-info.js';
import { buildTestApp } from '../helpers/app.js';
import { inferJson } from '../helpers/oip.js';
import { scrape, value } from '../helpers/metrics.js';
import { getInferenceStatistics, getServerMetadata, InferenceServerException } from '../helpers/tritonclient.js';

const app = await buildTestApp(t);
const MODEL_NAMES = ['focal_loss_binary', 'focal_loss_multilabel', 'focal_loss_multiclass'];

const good = {
  inputs: [
    { name: 'logits', shape: [3], datatype: 'FP32', data: [0.5, -1, 2] },
    { name: 'targets', shape: [3], datatype: 'FP32', data: [1, 0, 1] },
  ],
  outputs: [{ name: 'loss' }],
};
const bad = { inputs: [{ ...good.inputs[0], data: [0.5, -1] }, good.inputs[1]] };

t.test('the statistics extension is advertised', async (t) => {
  t.ok((await getServerMetadata(app)).extensions.includes('statistics'));
});

t.test('counts and durations follow the requests, per model, and agree with /metrics', async (t) => {
  const before = await getInferenceStatistics(app);
  t.ok(Value.Check(OipStatisticsSchema, before), 'matches its schema');
  t.same(
    before.model_stats.map((m: { name: string }) => m.name),
    MODEL_NAMES,
    'every model, version 1',
  );
  t.ok(before.model_stats.every((m: { version: string }) => m.version === '1'));

  const started = Date.now();
  const t0 = process.hrtime.bigint();
  const successes = 3;
  for (let i = 0; i < successes; i++) t.equal((await inferJson(app, 'focal_loss_binary', good)).status, 200);
  t.equal((await inferJson(app, 'focal_loss_binary/versions/1', bad)).status, 400, 'a failure of the model');
  t.equal((await inferJson(app, 'no_such_model', good)).status, 400, 'not a model: counted nowhere');
  t.equal((await inferJson(app, 'focal_loss_binary/versions/7', good)).status, 400, 'not a version: counted nowhere');
  const elapsedNs = Number(process.hrtime.bigint() - t0);
  const finished = Date.now();

  for (const [name, version] of [
    ['focal_loss_binary', ''],
    ['focal_loss_binary', '1'],
  ]) {
    const after = await getInferenceStatistics(app, name, version);
    t.ok(Value.Check(OipStatisticsSchema, after));
    t.equal(after.model_stats.length, 1);
    const was = before.model_stats[0];
    const now = after.model_stats[0];
    t.match(now, { name, version: '1' });
    t.equal(now.inference_count - was.inference_count, successes, 'inference_count');
    t.equal(now.execution_count - was.execution_count, successes, 'execution_count: no batching');
    const s = now.inference_stats;
    t.equal(s.success.count - was.inference_stats.success.count, successes);
    t.equal(s.fail.count - was.inference_stats.fail.count, 1);
    const spent = s.success.ns - was.inference_stats.success.ns + s.fail.ns - was.inference_stats.fail.ns;
    t.ok(spent > 0 && spent <= elapsedNs, `durations (${spent} ns) within the wall time of the requests (${elapsedNs} ns)`);
    const computed = s.compute_infer.ns - was.inference_stats.compute_infer.ns;
    t.ok(computed > 0 && computed <= s.success.ns - was.inference_stats.success.ns, 'time in the pool is part of the request time');
    t.equal(s.compute_infer.count, s.success.count);
    t.ok(now.last_inference >= started && now.last_inference <= finished, 'last_inference in ms since the epoch, during the requests');
  }

  const all = await getInferenceStatistics(app);
  t.same(
    all.model_stats
      .slice(1)
      .map((m: { inference_count: number; inference_stats: { fail: { count: number } } }) => [
        m.inference_count,
        m.inference_stats.fail.count,
      ]),
    before.model_stats
      .slice(1)
      .map((m: { inference_count: number; inference_stats: { fail: { count: number } } }) => [
        m.inference_count,
        m.inference_stats.fail.count,
      ]),
    'the other models did not move',
  );

  // One source: the Prometheus series say the same.
  const metrics = await scrape(app);
  const binary = all.model_stats[0];
  t.equal(
    value(metrics, 'focal_oip_inference_duration_seconds_count{model="focal_loss_binary",outcome="success"}'),
    binary.inference_stats.success.count,
  );
  t.equal(
    value(metrics, 'focal_oip_inference_duration_seconds_count{model="focal_loss_binary",outcome="fail"}'),
    binary.inference_stats.fail.count,
  );
  t.equal(
    Math.round(value(metrics, 'focal_oip_compute_seconds_total{model="focal_loss_binary"}') * 1e9),
    binary.inference_stats.compute_infer.ns,
  );
  t.notOk(
    [...metrics.keys()].some((k) => k.includes('no_such_model')),
    'no series for a name that is not a model',
  );
});

t.test('an unknown model or version raises in tritonclient with the message', async (t) => {
  for (const [name, version, pattern] of [
    ['nope', '', /unknown model "nope"/],
    ['focal_loss_binary', '2', /has no version "2"/],
  ] as const) {
    const err = await getInferenceStatistics(app, name, version).catch((e: unknown) => e);
    t.ok(err instanceof InferenceServerException, `${name} ${version}`);
    t.match(err, { status: '400', message: pattern });
  }
});

t.test('AUTH_PROTECT_OPS covers the statistics as it covers /metrics', async (t) => {
  const guarded = await buildTestApp(t, { API_KEYS: 'k1', AUTH_PROTECT_OPS: 'true' });
  const err = await getInferenceStatistics(guarded).catch((e: unknown) => e);
  t.match(err, { status: '401', message: /API key/ });
  const stats = await getInferenceStatistics(guarded, '', '', { authorization: 'Bearer k1' });
  t.equal(stats.model_stats.length, MODEL_NAMES.length);
});
