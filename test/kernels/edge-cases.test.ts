/**
 * Limits and conventions the reference cases do not pin down, each worked out by hand.
 */
import t from 'tap';
import { focalLoss } from '../../src/kernels/focal.js';
import { modulatingPower } from '../../src/kernels/power.js';
import { CompensatedSum } from 'focal-loss-client/merge';
import { sigmoidBatch, softmaxBatch } from '../helpers/batches.js';

const sigmoid = sigmoidBatch;
const softmax = softmaxBatch;

t.test('at z = 0 and y = 1: p_t = 1/2, loss = (1/2)^gamma ln 2', async (t) => {
  const r = focalLoss(sigmoid({ gamma: 2 }));
  t.equal(r.loss, 0.25 * Math.LN2);
  // d/dz [ q^2 softplus(-z) ] at 0 = -2 p q^2 ln2 - q^2 q = -(1/4) ln 2 - 1/8
  t.ok(Math.abs(r.gradient![0] - (-0.25 * Math.LN2 - 0.125)) < 1e-16);
});

t.test('a confident correct prediction with gamma < 1 has the limits 0, not NaN', async (t) => {
  for (const gamma of [0.1, 0.5, 0.99]) {
    const r = focalLoss(sigmoid({ logits: new Float64Array([1000]), gamma }));
    t.equal(r.loss, 0, `gamma ${gamma}: loss`);
    t.equal(r.gradient![0], 0, `gamma ${gamma}: gradient`);
    const m = focalLoss(softmax({ logits: new Float64Array([1000, -1000, 0, 0, 0, 1000]), gamma }));
    t.equal(m.loss, 0, `gamma ${gamma}: multiclass loss`);
    t.ok(
      m.gradient!.every((g) => g === 0),
      `gamma ${gamma}: multiclass gradient`,
    );
  }
});

t.test('a confident wrong prediction: loss = a_t |z|, gradient = a_t', async (t) => {
  const r = focalLoss(sigmoid({ logits: new Float64Array([-1000]), gamma: 0.5, alpha: new Float64Array([0.25]) }));
  t.equal(r.loss, 250);
  t.equal(r.gradient![0], -0.25);
});

t.test('1 - p is kept to full relative precision where 1 - sigmoid(z) would round to 0', async (t) => {
  // y = 1, z = 40: 1 - p_t = sigmoid(-40) = 4.248e-18; loss = q^2 * softplus(-40) ~ q^3.
  const r = focalLoss(sigmoid({ logits: new Float64Array([40]) }));
  const q = 1 / (1 + Math.exp(40));
  t.ok(Math.abs(r.loss - q * q * Math.log1p(Math.exp(-40))) <= 1e-15 * r.loss, 'loss has full precision');
  t.ok(r.loss > 0);
});

t.test('every row ignored: mean is 0 over a count of 0, gradient all zeros', async (t) => {
  const r = focalLoss(softmax({ labels: new Int32Array([-1, -1]) }));
  t.equal(r.count, 0);
  t.equal(r.loss, 0);
  t.equal(r.denominator, 0);
  t.ok(r.gradient!.every((g) => g === 0));
  t.equal(r.nonFinite, 0);
});

t.test('normalizer replaces the count as the mean denominator', async (t) => {
  const sum = focalLoss(softmax({ reduction: 'sum' }));
  const norm = focalLoss(softmax({ normalizer: 0.5 }));
  t.equal(norm.denominator, 0.5);
  t.equal(norm.loss, sum.loss / 0.5);
  t.ok(norm.gradient!.every((g, i) => Math.abs(g - 2 * sum.gradient![i]) <= 1e-15));
});

t.test('overflowing inputs are reported as non-finite, not returned as Infinity', async (t) => {
  const r = focalLoss(
    sigmoid({ n: 2, logits: new Float64Array([-1.7e308, -1.7e308]), targets: new Float64Array([1, 1]), reduction: 'sum', gamma: 0 }),
  );
  t.ok(r.nonFinite > 0);
  const m = focalLoss(softmax({ normalizer: 1e-310 }));
  t.ok(m.nonFinite > 0);
});

t.test('logits at the edge of float64 (+-1.7e308) give their finite loss in every mode', async (t) => {
  const z = 1.7e308;
  // Binary, confidently wrong both ways (alpha 0.25, gamma 2): p_t underflows to 0, so the
  // modulating factor is 1, the loss is a_t |z| and the gradient a_t (p - y) = +-a_t.
  for (const mode of ['binary', 'multilabel'] as const) {
    const r = focalLoss(
      sigmoid({
        mode,
        n: 2,
        logits: new Float64Array([z, -z]),
        targets: new Float64Array([0, 1]),
        alpha: new Float64Array([0.25]),
        reduction: 'none',
      }),
    );
    t.equal(r.nonFinite, 0, `${mode}: finite`);
    t.same(Array.from(r.losses!), [0.75 * z, 0.25 * z], `${mode}: losses a_t |z|`);
    t.same(Array.from(r.gradient!), [0.75, -0.25], `${mode}: gradient a_t (p - y)`);
  }
  // Multiclass: row 0's true class has p underflowing to 0 (loss z_max - z_t = z, gradient
  // p - onehot); row 1 is confidently right (loss and gradient 0).
  const m = focalLoss(softmax({ n: 2, c: 2, logits: new Float64Array([z, 0, 0, -z]), labels: new Int32Array([1, 0]), reduction: 'none' }));
  t.equal(m.nonFinite, 0, 'multiclass: finite');
  t.same(Array.from(m.losses!), [z, 0]);
  t.same(Array.from(m.gradient!), [1, -1, 0, 0]);
});

t.test('outputs not asked for are not computed', async (t) => {
  const r = focalLoss(softmax({ wantGradient: false, wantLosses: false }));
  t.equal(r.gradient, null);
  t.equal(r.losses, null);
  const s = focalLoss(sigmoid({ wantGradient: false, wantLosses: false }));
  t.equal(s.gradient, null);
  t.equal(s.losses, null);
});

t.test('multiclass stats: arg-max ties go to the lowest index', async (t) => {
  const r = focalLoss(softmax({ n: 1, logits: new Float64Array([5, 5, 1]), labels: new Int32Array([1]) }));
  t.same(Array.from(r.stats.fp), [1, 0, 0]);
  t.same(Array.from(r.stats.fn), [0, 1, 0]);
  const p = focalLoss(softmax({ n: 1, logits: new Float64Array([0, 0, 9]), labels: null, probabilities: new Float64Array([0.5, 0.5, 0]) }));
  t.same(Array.from(p.stats.support), [1, 0, 0], 'probability-row class is the lowest arg-max');
});

t.test('modulatingPower: integer fast paths equal Math.pow', async (t) => {
  for (const x of [0, 1e-300, 0.3, 0.5, 0.999, 1]) {
    for (const g of [0, 1, 2, 3, 4, 2.5])
      t.ok(Math.abs(modulatingPower(x, g) - Math.pow(x, g)) <= 4.5e-16 * Math.pow(x, g), `${x}^${g} within 2 ulp`);
  }
});

t.test('CompensatedSum keeps what a plain sum loses', async (t) => {
  const s = new CompensatedSum();
  s.add(1e16);
  for (let i = 0; i < 1000; i++) s.add(1);
  s.add(-1e16);
  t.equal(s.value(), 1000);
  const small = new CompensatedSum();
  small.add(1);
  small.add(1e100);
  small.add(1);
  small.add(-1e100);
  t.equal(small.value(), 2);
});
