/**
 * The loss-variant contract (reference README, "Loss variants, per-class gamma and dense
 * shapes"): every case of cases-variants.json (asymmetric, poly1, per-class gamma, ordinary and
 * extreme logits) through the real HTTP layer and the worker pool reproduces the expected loss and
 * gradient at the reference tolerance, sent as JSON and as base64 float64 tensors (with the
 * gradient asked back as base64), and every response matches the published response schema.
 */
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { LossResponseSchema } from '../../src/schemas/loss-response.js';
import { EncodedTensorSchema } from '../../src/schemas/encoded-tensor.js';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { compareToExpected, loadCases, worst } from '../helpers/reference-cases.js';
import { decodeTensor, encodeJson, type Tensor } from '../helpers/encoded.js';

type Json = number[] | number[][];

const cases = loadCases('cases-variants.json');

t.test('cases-variants.json through POST /loss (JSON)', async (t) => {
  const app = await buildTestApp(t);
  t.ok(cases.length >= 16, 'the reference file has its cases');
  const variants = new Set(cases.map((c) => c.request.variant));
  t.same([...variants].sort(), ['asymmetric', 'focal', 'poly1'], 'every variant is covered');
  for (const c of cases) {
    const res = await postLoss(app, c.request);
    t.equal(res.status, 200, `${c.name}: status 200`);
    t.same(compareToExpected(res.body, c.expected), [], `${c.name}: every expected number within tolerance`);
    t.ok(Value.Check(LossResponseSchema, [EncodedTensorSchema], res.body), `${c.name}: response matches LossResponse schema`);
    t.equal(res.body.meta.variant, c.request.variant, `${c.name}: meta echoes the variant`);
  }
});

t.test('cases-variants.json through POST /loss with base64 float64 tensors both ways', async (t) => {
  const app = await buildTestApp(t);
  for (const c of cases) {
    const r = c.request;
    const body = {
      ...r,
      logits: encodeJson('float64', r.logits as Json),
      targets: encodeJson(Number.isInteger((r.targets as Json).flat()[0]) ? 'uint8' : 'float64', r.targets as Json),
      encoding: 'base64',
    };
    const res = await postLoss(app, body);
    t.equal(res.status, 200, `${c.name}: status 200`);
    const answer = { ...res.body, gradient: decodeTensor(res.body.gradient as Tensor) };
    t.same(compareToExpected(answer, c.expected), [], `${c.name}: every expected number within tolerance`);
  }
});

t.teardown(() => {
  t.comment(`variants: largest relative error against the reference: ${worst.rel.toExponential(2)} at ${worst.where}`);
});
