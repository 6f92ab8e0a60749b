/**
 * The contract: every reference case, through the real HTTP layer and the worker pool,
 * reproduces every expected number at the reference README's tolerance, and every response
 * matches the published response schema.
 */
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { LossResponseSchema } from '../../src/schemas/loss-response.js';
import { EncodedTensorSchema } from '../../src/schemas/encoded-tensor.js';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { compareToExpected, loadCases, worst } from '../helpers/reference-cases.js';

for (const file of ['cases-regular.json', 'cases-extreme.json'] as const) {
  t.test(`${file} through POST /loss`, async (t) => {
    const app = await buildTestApp(t);
    const cases = loadCases(file);
    t.ok(cases.length > 50, 'the reference file has its cases');
    for (const c of cases) {
      const res = await postLoss(app, c.request);
      t.equal(res.status, 200, `${c.name}: status 200`);
      t.same(compareToExpected(res.body, c.expected), [], `${c.name}: every expected number within tolerance`);
      t.ok(Value.Check(LossResponseSchema, [EncodedTensorSchema], res.body), `${c.name}: response matches LossResponse schema`);
    }
  });
}

t.teardown(() => {
  t.comment(
    `largest relative error against the reference: ${worst.rel.toExponential(2)} at ${worst.where}; largest absolute: ${worst.abs.toExponential(2)}`,
  );
});
