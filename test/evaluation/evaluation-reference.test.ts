/**
 * The contract's evaluation statistics and sweep (cases-evaluation.json): every case through the
 * real HTTP layer and the worker pool, as JSON and with base64-encoded tensors, reproduces every
 * expected number at the reference tolerance (counts exactly), and every response matches the
 * published response schema.
 */
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { LossResponseSchema } from '../../src/schemas/loss-response.js';
import { EncodedTensorSchema } from '../../src/schemas/encoded-tensor.js';
import { buildTestApp, postLoss, SLOW_START } from '../helpers/app.js';
import { compareToExpected, loadCases, worst } from '../helpers/reference-cases.js';
import { encodeJson } from '../helpers/encoded.js';
import { captureLogs } from '../helpers/log-lines.js';

const cases = loadCases('cases-evaluation.json');

/** The request with logits as a float64 tensor and targets as float64 or, for class ids, int32 (ignore_index may be < 0). */
function encoded(request: Record<string, unknown>): Record<string, unknown> {
  const targets = request.targets as number[] | number[][];
  const integer = (targets.flat() as number[]).every(Number.isInteger);
  return {
    ...request,
    logits: encodeJson('float64', request.logits as number[] | number[][]),
    targets: encodeJson(integer ? 'int32' : 'float64', targets),
  };
}

t.test('cases-evaluation.json through POST /loss, JSON and encoded tensors', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  t.ok(cases.length >= 5, 'the reference file has its cases');
  for (const c of cases) {
    for (const [form, body] of [
      ['json', c.request],
      ['encoded', encoded(c.request)],
    ] as const) {
      const res = await postLoss(app, body);
      t.equal(res.status, 200, `${c.name} (${form}): status 200`);
      t.same(compareToExpected(res.body, c.expected), [], `${c.name} (${form}): every expected number within tolerance`);
      t.ok(
        Value.Check(LossResponseSchema, [EncodedTensorSchema], res.body),
        `${c.name} (${form}): response matches the LossResponse schema`,
      );
    }
  }
});

t.test('split over three workers and merged, every case still answers as the reference says', async (t) => {
  const { log, logger } = captureLogs();
  const app = await buildTestApp(t, { POOL_SIZE: '3', OFFLOAD_MIN_BYTES: '0', SPLIT_MIN_ELEMENTS: '1', ...SLOW_START }, { logger });
  for (const [i, c] of cases.entries()) {
    const res = await app.inject({
      method: 'POST',
      url: '/loss',
      headers: { 'content-type': 'application/json', 'x-request-id': `evaluation-split-${i}` },
      payload: JSON.stringify(c.request),
    });
    t.equal(res.statusCode, 200, `${c.name}: 200`);
    t.same(compareToExpected(res.json(), c.expected), [], `${c.name}: merged from parts, within tolerance`);
    const line = log.lines.find((l) => l.reqId === `evaluation-split-${i}` && l.msg === 'request completed');
    t.equal(line?.parts, 3, `${c.name}: computed in three row ranges`);
  }
});

t.teardown(() => {
  t.comment(`largest relative error against the reference: ${worst.rel.toExponential(2)} at ${worst.where}`);
});
