/**
 * The Open Inference Protocol's metadata and health endpoints: server metadata with the
 * binary_tensor_data extension, liveness, readiness (false while draining), and each model's
 * metadata (-1 for variable dimensions), Triton-style configuration (as tritonclient's
 * get_model_config() fetches it) and readiness, under /versions/1 too.
 */
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { OipModelMetadataSchema, OipServerMetadataSchema } from '../../src/schemas/oip.js';
import { OipModelConfigSchema } from '../../src/schemas/oip-model-info.js';
import { getModelConfig, InferenceServerException } from '../helpers/tritonclient.js';
import { buildTestApp } from '../helpers/app.js';

const app = await buildTestApp(t);

t.test('GET /v2 names the server, its version and its extensions', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v2' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { name: 'focal-loss-service', version: '0.1.0', extensions: ['binary_tensor_data', 'statistics'] });
  t.ok(Value.Check(OipServerMetadataSchema, res.json()));
});

t.test('live and ready while the pool runs', async (t) => {
  const live = await app.inject({ method: 'GET', url: '/v2/health/live' });
  t.equal(live.statusCode, 200);
  t.same(live.json(), { live: true });
  const ready = await app.inject({ method: 'GET', url: '/v2/health/ready' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { ready: true });
});

const expected = {
  focal_loss_binary: {
    inputs: [
      ['logits', 'FP32', [-1]],
      ['targets', 'FP32', [-1]],
      ['weights', 'FP32', [-1]],
      ['alpha', 'FP32', [-1]],
    ],
    outputs: [
      'loss',
      'gradient',
      'losses',
      'count',
      'denominator',
      'class_support',
      'class_loss_sum',
      'class_pos_loss_sum',
      'class_neg_loss_sum',
      'class_tp',
      'class_fp',
      'class_fn',
      'class_precision',
      'class_recall',
      'class_pt_histogram',
      'class_suggested_alpha',
      'class_tn',
      'class_f1',
      'calibration_bins',
      'ece',
      'mce',
      'brier',
      'nll',
      'sweep_loss',
    ],
    gradientShape: [-1],
    classShape: [1],
  },
  focal_loss_multilabel: {
    inputs: [
      ['logits', 'FP32', [-1, -1]],
      ['targets', 'FP32', [-1, -1]],
      ['weights', 'FP32', [-1]],
      ['alpha', 'FP32', [-1]],
      ['gamma', 'FP32', [-1]],
      ['gamma_pos', 'FP32', [-1]],
      ['gamma_neg', 'FP32', [-1]],
    ],
    outputs: [
      'loss',
      'gradient',
      'losses',
      'count',
      'denominator',
      'class_support',
      'class_loss_sum',
      'class_pos_loss_sum',
      'class_neg_loss_sum',
      'class_tp',
      'class_fp',
      'class_fn',
      'class_precision',
      'class_recall',
      'class_pt_histogram',
      'class_suggested_alpha',
      'class_tn',
      'class_f1',
      'calibration_bins',
      'ece',
      'mce',
      'brier',
      'nll',
      'classwise_ece',
      'column_calibration_bins',
      'sweep_loss',
    ],
    gradientShape: [-1, -1],
    classShape: [-1],
  },
  focal_loss_multiclass: {
    inputs: [
      ['logits', 'FP32', [-1, -1]],
      ['targets', 'INT64', [-1]],
      ['weights', 'FP32', [-1]],
      ['alpha', 'FP32', [-1]],
      ['gamma', 'FP32', [-1]],
    ],
    outputs: [
      'loss',
      'gradient',
      'losses',
      'count',
      'denominator',
      'accuracy',
      'class_support',
      'class_loss_sum',
      'class_tp',
      'class_fp',
      'class_fn',
      'class_precision',
      'class_recall',
      'class_pt_histogram',
      'class_suggested_alpha',
      'class_tn',
      'class_f1',
      'calibration_bins',
      'ece',
      'mce',
      'brier',
      'nll',
      'confusion',
      'sweep_loss',
    ],
    gradientShape: [-1, -1],
    classShape: [-1],
  },
};

for (const [name, e] of Object.entries(expected)) {
  t.test(`GET /v2/models/${name} describes its inputs and outputs`, async (t) => {
    for (const url of [`/v2/models/${name}`, `/v2/models/${name}/versions/1`]) {
      const res = await app.inject({ method: 'GET', url });
      t.equal(res.statusCode, 200, url);
      const meta = res.json();
      t.ok(Value.Check(OipModelMetadataSchema, meta), 'matches its schema');
      t.match(meta, { name, versions: ['1'], platform: 'focal-loss-service' });
      t.same(
        meta.inputs.map((i: { name: string; datatype: string; shape: number[] }) => [i.name, i.datatype, i.shape]),
        e.inputs,
      );
      // logits and targets are required; weights, alpha and the per-class exponents optional.
      t.same(
        meta.inputs.map((i: { parameters: { optional: boolean } }) => i.parameters.optional),
        e.inputs.map((_, k) => k >= 2),
      );
      t.match(meta.inputs[0].parameters.datatypes, 'FP32,FP64,FP16,BF16');
      t.same(
        meta.outputs.map((o: { name: string }) => o.name),
        e.outputs,
      );
      const out = Object.fromEntries(meta.outputs.map((o: { name: string }) => [o.name, o]));
      t.match(out.loss, { datatype: 'FP64', shape: [1] });
      t.match(out.gradient, { datatype: 'FP64', shape: e.gradientShape });
      t.match(out.class_tp, { datatype: 'INT64', shape: e.classShape });
      t.match(out.class_recall, { datatype: 'FP64', shape: e.classShape });
      t.match(out.class_pt_histogram, { datatype: 'INT64', shape: [...e.classShape, 10] });
    }
    for (const url of [`/v2/models/${name}/ready`, `/v2/models/${name}/versions/1/ready`]) {
      const res = await app.inject({ method: 'GET', url });
      t.equal(res.statusCode, 200, url);
      t.same(res.json(), { name, ready: true });
    }
  });
}

t.test("tritonclient's get_model_config(): Triton's configuration, tensor by tensor as the metadata says", async (t) => {
  for (const name of Object.keys(expected)) {
    const meta = (await app.inject({ method: 'GET', url: `/v2/models/${name}` })).json();
    for (const version of ['', '1']) {
      const config = await getModelConfig(app, name, version);
      t.ok(Value.Check(OipModelConfigSchema, config), 'matches its schema');
      t.match(config, { name, platform: 'focal-loss-service', backend: 'focal-loss-service', max_batch_size: 0 });
      t.same(config.version_policy, { specific: { versions: [1] } });
      t.same(config.instance_group, [{ name, kind: 'KIND_CPU', count: 2 }], 'POOL_SIZE=2 worker threads');
      const tensors = (list: { name: string; datatype: string; shape: number[] }[]) =>
        list.map((x) => [x.name, `TYPE_${x.datatype}`, x.shape]);
      t.same(
        config.input.map((i: { name: string; data_type: string; dims: number[] }) => [i.name, i.data_type, i.dims]),
        tensors(meta.inputs),
      );
      t.same(
        config.output.map((o: { name: string; data_type: string; dims: number[] }) => [o.name, o.data_type, o.dims]),
        tensors(meta.outputs),
      );
      // logits and targets are required; weights, alpha and the per-class exponents are optional.
      t.same(
        config.input.map((i: { optional: boolean }) => i.optional),
        meta.inputs.map((_: unknown, k: number) => k >= 2),
      );
      for (const input of meta.inputs) {
        t.same(config.parameters[`${input.name}_datatypes`], { string_value: input.parameters.datatypes });
      }
    }
  }
  const err = await getModelConfig(app, 'nope').catch((e: unknown) => e);
  t.ok(err instanceof InferenceServerException);
  t.match(err, { status: '400', message: /unknown model "nope"/ });
});

t.test('not ready (503 with Retry-After) once the pool is closing; still live', async (t) => {
  const closing = await buildTestApp(t);
  await closing.focalPool.close();
  for (const url of ['/v2/health/ready', '/v2/models/focal_loss_binary/ready']) {
    const res = await closing.inject({ method: 'GET', url });
    t.equal(res.statusCode, 503, url);
    t.same(res.json(), { error: 'the service is shutting down; retry on another instance', code: 'unavailable' });
    t.equal(res.headers['retry-after'], '1');
  }
  t.equal((await closing.inject({ method: 'GET', url: '/v2/health/live' })).statusCode, 200);
});
