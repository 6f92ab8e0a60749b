/**
 * Logits at the edge of float64 (+-1.7e308) through POST /loss, in every mode: confidently wrong
 * predictions have a finite loss (a_t |z| for sigmoid modes, z_max - z_t for softmax), answered
 * with 200, not reported as an overflow. Worked out by hand: p_t underflows to 0, so the
 * modulating factor is 1 and the gradient is a_t (p - y).
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';

const z = 1.7e308;

t.test('binary and multilabel: a finite loss of a_t |z| at +-1.7e308', async (t) => {
  const app = await buildTestApp(t);
  const binary = await postLoss(app, { mode: 'binary', logits: [z, -z], targets: [0, 1], reduction: 'none', gamma: 2, alpha: 0.25 });
  t.equal(binary.status, 200, JSON.stringify(binary.body).slice(0, 200));
  t.same(binary.body.losses, [0.75 * z, 0.25 * z]);
  t.same(binary.body.gradient, [0.75, -0.25]);
  const multilabel = await postLoss(app, {
    mode: 'multilabel',
    logits: [[z, -z]],
    targets: [[0, 1]],
    reduction: 'none',
    gamma: 2,
    alpha: 0.25,
  });
  t.equal(multilabel.status, 200);
  t.same(multilabel.body.losses, [[0.75 * z, 0.25 * z]]);
});

t.test('multiclass: a finite loss of z_max - z_t at 1.7e308', async (t) => {
  const app = await buildTestApp(t);
  const res = await postLoss(app, { mode: 'multiclass', logits: [[z, 0]], targets: [1], reduction: 'sum' });
  t.equal(res.status, 200);
  t.equal(res.body.loss, z);
  t.same(res.body.gradient, [[1, -1]]);
});

t.test('a sum that does overflow is still a 422', async (t) => {
  const app = await buildTestApp(t);
  const res = await postLoss(app, { mode: 'binary', logits: [z, z], targets: [0, 0], reduction: 'sum', gamma: 0, alpha: null });
  t.equal(res.status, 422);
  t.equal(res.body.code, 'result-not-finite');
});
