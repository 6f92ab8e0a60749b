/**
 * The contract again, through encoded tensors: every reference case with its arrays sent as
 * base64 tensors gives the same answer as the JSON request.
 * - float64 logits (and float64 or integer targets, weights, alpha) carry the same numbers as
 *   JSON, so every expected number must still be within the reference tolerance;
 * - float32 logits hold the float32-rounded numbers, so the answer must equal, to the last bit,
 *   the JSON request whose logits were rounded to float32 the same way (the kernels read float32
 *   input as it is; nothing else may differ);
 * - targets go as uint8, int32 and int64 labels or class ids, and soft labels or probability
 *   rows as float32 and float64;
 * - `encoding: "base64"` returns gradient and losses as tensors that decode to the JSON answer.
 */
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { LossResponseSchema } from '../../src/schemas/loss-response.js';
import { EncodedTensorSchema } from '../../src/schemas/encoded-tensor.js';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { compareToExpected, loadCases, type ReferenceCase } from '../helpers/reference-cases.js';
import { decodeTensor, encodeJson, roundToFloat32, type Dtype, type Tensor } from '../helpers/encoded.js';

type Json = number[] | number[][];
type Body = Record<string, unknown>;

const cases = [...loadCases('cases-regular.json'), ...loadCases('cases-extreme.json')];

/** Integer dtypes that can hold every target of a case (labels 0/1, class ids, ignore_index). */
function integerTargetDtypes(c: ReferenceCase): Dtype[] {
  const flat = (c.request.targets as Json).flat() as number[];
  if (!flat.every(Number.isInteger)) return [];
  return flat.every((v) => v >= 0 && v < 256) ? ['uint8', 'int32', 'int64'] : ['int32', 'int64'];
}

/** The case's request with some fields encoded. */
function encoded(c: ReferenceCase, logits: Dtype, targets: Dtype, extra: Body = {}): Body {
  const r = c.request;
  const body: Body = { ...r, logits: encodeJson(logits, r.logits as Json), targets: encodeJson(targets, r.targets as Json) };
  if (Array.isArray(r.weights)) body.weights = encodeJson(logits, r.weights as number[]);
  if (Array.isArray(r.alpha)) body.alpha = encodeJson(logits, r.alpha as number[]);
  return { ...body, ...extra };
}

t.test('float64 logits and float64 or integer targets: every expected number within tolerance', async (t) => {
  const app = await buildTestApp(t);
  let runs = 0;
  for (const c of cases) {
    for (const targets of ['float64', ...integerTargetDtypes(c)] as Dtype[]) {
      const res = await postLoss(app, encoded(c, 'float64', targets));
      t.equal(res.status, 200, `${c.name} (${targets} targets): 200`);
      t.same(compareToExpected(res.body, c.expected), [], `${c.name} (${targets} targets): within tolerance`);
      runs++;
    }
  }
  t.ok(runs > cases.length * 2, `${runs} encoded requests, most cases with several target dtypes`);
});

t.test('float32 logits (and float32 soft targets): bit-for-bit the JSON answer on float32-rounded inputs', async (t) => {
  const app = await buildTestApp(t);
  for (const c of cases) {
    const integer = integerTargetDtypes(c);
    const soft = integer.length === 0;
    const targetsDtype: Dtype = soft ? 'float32' : integer[0];
    const r = c.request;
    // The JSON twin holds exactly the numbers the float32 tensors hold.
    const twin: Body = { ...r, logits: roundToFloat32(r.logits as Json) };
    if (soft) twin.targets = roundToFloat32(r.targets as Json);
    if (Array.isArray(r.weights)) twin.weights = roundToFloat32(r.weights as number[]);
    if (Array.isArray(r.alpha)) twin.alpha = roundToFloat32(r.alpha as number[]);
    const json = await postLoss(app, twin);
    const enc = await postLoss(app, encoded(c, 'float32', targetsDtype));
    if (json.status !== 200) {
      // float32 rounding can make a probability row miss 1 by more than 1e-6: then both refuse it alike.
      t.equal(enc.status, json.status, `${c.name}: same refusal as JSON (${json.body.detail})`);
      continue;
    }
    t.equal(enc.status, 200, `${c.name}: 200`);
    t.same(enc.body, json.body, `${c.name}: identical to the JSON request on float32-rounded inputs`);
  }
});

t.test('encoding "base64" returns gradient and losses as tensors that decode to the JSON answer', async (t) => {
  const app = await buildTestApp(t);
  for (const c of cases) {
    const outputs = { outputs: ['loss', 'losses', 'gradient', 'stats'] };
    const json = await postLoss(app, { ...c.request, ...outputs });
    const f64 = await postLoss(app, { ...c.request, ...outputs, encoding: 'base64' });
    t.equal(f64.status, 200, `${c.name}: 200`);
    t.ok(Value.Check(LossResponseSchema, [EncodedTensorSchema], f64.body), `${c.name}: matches the response schema`);
    const n = (c.request.logits as Json).length;
    const gradientShape = c.request.mode === 'binary' ? [n] : [n, ((c.request.logits as number[][])[0] ?? []).length];
    t.match(f64.body.gradient, { dtype: 'float64', shape: gradientShape }, `${c.name}: gradient dtype and shape`);
    const decoded = { ...f64.body, gradient: decodeTensor(f64.body.gradient as Tensor), losses: decodeTensor(f64.body.losses as Tensor) };
    t.same(decoded, json.body, `${c.name}: float64 tensors decode to exactly the JSON numbers`);
    t.same(compareToExpected(decoded, c.expected), [], `${c.name}: within the reference tolerance`);

    const f32 = await postLoss(app, { ...c.request, ...outputs, encoding: 'base64', dtype: 'float32' });
    t.equal(f32.body.gradient.dtype, 'float32', `${c.name}: float32 on request`);
    t.same(
      decodeTensor(f32.body.gradient as Tensor),
      roundToFloat32(json.body.gradient as Json),
      `${c.name}: float32 gradient is the rounded float64 one`,
    );
    t.same(decodeTensor(f32.body.losses as Tensor), roundToFloat32(json.body.losses as Json), `${c.name}: float32 losses likewise`);
  }
});
