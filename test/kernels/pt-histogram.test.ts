/**
 * The p_t histogram in the kernels' statistics: bin edges, which probability is counted for
 * which class, counts against a naive p_t computed independently, and totals (every column's
 * elements in sigmoid modes, every counted row in multiclass).
 */
import t from 'tap';
import fc from 'fast-check';
import { focalLoss } from '../../src/kernels/focal.js';
import { PT_BINS, ptBin } from 'focal-loss-client/merge';
import type { KernelBatch } from '../../src/kernels/types.js';

const base = {
  weights: null,
  alpha: null,
  gamma: 2,
  labelSmoothing: 0,
  reduction: 'mean' as const,
  normalizer: null,
  wantGradient: false,
  wantLosses: false,
};

function hist(p: KernelBatch): number[][] {
  const h = focalLoss(p).stats.ptHistogram;
  return Array.from({ length: p.c }, (_, k) => Array.from(h.subarray(k * PT_BINS, (k + 1) * PT_BINS)));
}

const bins = (...at: number[]) => {
  const out = new Array<number>(PT_BINS).fill(0);
  for (const b of at) out[b]++;
  return out;
};

t.test('bin edges: [k/10, (k+1)/10), the last bin holds 1', async (t) => {
  t.same([0, 0.0999, 0.1, 0.5, 0.95, 1].map(ptBin), [0, 0, 1, 5, 9, 9]);
});

t.test('binary: p for positives, 1 - p for negatives', async (t) => {
  // z = 0: p = 0.5 (bin 5) either way; z = 10: p ~ 1 (positive: easy, bin 9; negative: hard, bin 0);
  // z = -1.3862943611198906 = log(0.2/0.8): p = 0.2 (positive: bin 2, negative: 1 - p = 0.8, bin 8).
  const z = [0, 0, 10, 10, -1.3862943611198906, -1.3862943611198906];
  const y = [1, 0, 1, 0, 1, 0];
  t.same(hist({ ...base, mode: 'binary', n: 6, c: 1, logits: Float64Array.from(z), targets: Float64Array.from(y) }), [
    bins(5, 5, 9, 0, 2, 8),
  ]);
});

t.test('soft and smoothed labels count the unsmoothed side (y >= 0.5 is positive)', async (t) => {
  const p = {
    ...base,
    mode: 'binary' as const,
    n: 2,
    c: 1,
    logits: Float64Array.from([10, 10]),
    targets: Float64Array.from([0.7, 0.3]),
    labelSmoothing: 0.2,
  };
  t.same(hist(p), [bins(9, 0)]);
});

t.test("multiclass: the probability of the row's class, counted under that class; ignored rows are not counted", async (t) => {
  const logits = Float64Array.from([0, 0, 5, 0, 0, 5, 1, 1]);
  const labels = Int32Array.from([0, 0, 0, -1]);
  // Row 0: p = 0.5 -> bin 5 of class 0. Row 1: p_0 = e^5/(e^5+1) = 0.993 -> bin 9. Row 2: p_0 = 1/(1+e^5) = 0.0067 -> bin 0.
  t.same(hist({ ...base, mode: 'multiclass', n: 4, c: 2, logits, labels, probabilities: null }), [bins(5, 9, 0), bins()]);
  // Probability rows: the row's class is the arg-max of its probabilities.
  const probabilities = Float64Array.from([0.1, 0.9, 0.8, 0.2]);
  t.same(hist({ ...base, mode: 'multiclass', n: 2, c: 2, logits: Float64Array.from([0, 0, 5, 0]), labels: null, probabilities }), [
    bins(9),
    bins(5),
  ]);
});

t.test('counts agree with a naive p_t and sum to the column or class totals (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 4 }),
      // Logits on a 1e-3 grid: none lands within rounding of a bin edge, where a naive p could round across it.
      fc.array(
        fc.integer({ min: -8000, max: 8000 }).map((k) => k / 1000),
        { minLength: 160, maxLength: 160 },
      ),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 40, maxLength: 40 }),
      (n, c, zs, ks) => {
        const logits = Float64Array.from(zs.slice(0, n * c));
        const targets = Float64Array.from(ks.concat(ks, ks, ks).slice(0, n * c), (k) => k % 2);
        const sig = hist({ ...base, mode: 'multilabel', n, c, logits, targets });
        const expected = Array.from({ length: c }, () => new Array<number>(PT_BINS).fill(0));
        for (let i = 0; i < n * c; i++) {
          const p = 1 / (1 + Math.exp(-logits[i]));
          expected[i % c][Math.min(PT_BINS - 1, Math.floor((targets[i] === 1 ? p : 1 - p) * PT_BINS))]++;
        }
        const labels = Int32Array.from(ks.slice(0, n), (k) => k % c);
        const r = focalLoss({ ...base, mode: 'multiclass', n, c, logits, labels, probabilities: null });
        const perClass = Array.from({ length: c }, (_, k) =>
          r.stats.ptHistogram.subarray(k * PT_BINS, (k + 1) * PT_BINS).reduce((a, b) => a + b, 0),
        );
        return JSON.stringify(sig) === JSON.stringify(expected) && perClass.every((s, k) => s === r.stats.support[k]);
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random batches');
});
