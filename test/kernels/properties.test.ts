/**
 * Property tests of the kernels against independent oracles: the naive textbook formulas
 * (test/helpers/naive-focal.ts) and their finite differences.
 */
import t from 'tap';
import fc from 'fast-check';
import { focalLoss } from '../../src/kernels/focal.js';
import type { FocalResult } from '../../src/kernels/types.js';
import { finiteDifferenceGradient, naiveLosses, naiveReduced, type NaiveBatch } from '../helpers/naive-focal.js';
import { arbitraryBatch, toKernelBatch } from '../helpers/batches.js';

const close = (a: number, b: number, abs: number, rel: number) => Math.abs(a - b) <= abs + rel * Math.abs(b);
const RUNS = { numRuns: 300 };

function run(p: NaiveBatch, f32 = false): FocalResult {
  return focalLoss(toKernelBatch(p, f32));
}

t.test('loss equals the textbook formula on moderate logits', async (t) => {
  fc.assert(
    fc.property(arbitraryBatch(), (p) => {
      const r = run(p);
      const naive = naiveLosses(p);
      return close(r.loss, naiveReduced(p), 1e-12, 1e-9) && naive.every((v, i) => close(r.losses![i], v, 1e-12, 1e-9));
    }),
    RUNS,
  );
  t.pass('300 random batches agree');
});

t.test('the analytic gradient agrees with central finite differences', async (t) => {
  fc.assert(
    fc.property(arbitraryBatch(), (p) => {
      const r = run(p);
      const fd = finiteDifferenceGradient(p);
      return fd.every((v, i) => close(r.gradient![i], v, 1e-6, 1e-5));
    }),
    RUNS,
  );
  t.pass('300 random batches agree');
});

t.test('gamma = 0 is exactly (alpha-weighted) cross-entropy', async (t) => {
  fc.assert(
    fc.property(arbitraryBatch(), (p0) => {
      const p = { ...p0, gamma: 0 };
      const r = run(p);
      // Cross-entropy written independently: -sum y log(prob).
      let ce = 0;
      for (let i = 0; i < p.n; i++) {
        const w = p.weights?.[i] ?? 1;
        if (p.mode === 'multiclass') {
          const row = p.logits.slice(i * p.c, (i + 1) * p.c);
          const logZ = Math.log(row.reduce((s, z) => s + Math.exp(z), 0));
          for (let k = 0; k < p.c; k++) {
            const y = (p.classIds ? (p.targets[i] === k ? 1 : 0) : p.targets[i * p.c + k]) * (1 - p.eps) + p.eps / p.c;
            ce -= w * (p.alpha?.[k] ?? 1) * y * (row[k] - logZ);
          }
        } else {
          for (let j = 0; j < p.c; j++) {
            const z = p.logits[i * p.c + j];
            const y = p.targets[i * p.c + j] * (1 - p.eps) + p.eps / 2;
            const a = p.alpha === null ? 1 : p.alpha[j] * y + (1 - p.alpha[j]) * (1 - y);
            ce -= w * a * (y * Math.log(1 / (1 + Math.exp(-z))) + (1 - y) * Math.log(1 / (1 + Math.exp(z))));
          }
        }
      }
      return close(r.lossSum, ce, 1e-12, 1e-10);
    }),
    RUNS,
  );
  t.pass('300 random batches agree');
});

t.test('sum = mean x count, and none reports the sum', async (t) => {
  fc.assert(
    fc.property(arbitraryBatch(), (p) => {
      const mean = run({ ...p, reduction: 'mean' });
      const sum = run({ ...p, reduction: 'sum' });
      const none = run({ ...p, reduction: 'none' });
      const gradScaled = sum.gradient!.every((g, i) => close(g, mean.gradient![i] * mean.count, 1e-14, 1e-12));
      return close(sum.loss, mean.loss * mean.count, 1e-14, 1e-12) && none.loss === sum.loss && gradScaled;
    }),
    RUNS,
  );
  t.pass('300 random batches agree');
});

t.test('permuting rows permutes losses and gradients', async (t) => {
  fc.assert(
    fc.property(
      arbitraryBatch().chain((p) =>
        fc.tuple(fc.constant(p), fc.shuffledSubarray([...Array(p.n).keys()], { minLength: p.n, maxLength: p.n })),
      ),
      ([p, perm]) => {
        const rows = p.mode === 'multiclass' && p.classIds ? 1 : p.c;
        const pick = <T>(a: T[], width: number) => perm.flatMap((i) => a.slice(i * width, (i + 1) * width));
        const q: NaiveBatch = {
          ...p,
          logits: pick(p.logits, p.c),
          targets: pick(p.targets, rows),
          weights: p.weights === null ? null : pick(p.weights, 1),
          reduction: 'none',
        };
        const a = run({ ...p, reduction: 'none' });
        const b = run(q);
        const lw = p.mode === 'multilabel' ? p.c : 1;
        const lossesOk = perm.every((src, dst) =>
          Array.from({ length: lw }, (_, j) => b.losses![dst * lw + j] === a.losses![src * lw + j]).every(Boolean),
        );
        const gradOk = perm.every((src, dst) =>
          Array.from({ length: p.c }, (_, j) => b.gradient![dst * p.c + j] === a.gradient![src * p.c + j]).every(Boolean),
        );
        return lossesOk && gradOk && close(a.loss, b.loss, 1e-14, 1e-12);
      },
    ),
    RUNS,
  );
  t.pass('300 random permutations agree');
});

t.test('float32 logits give the same result as the same values widened to float64', async (t) => {
  fc.assert(
    fc.property(arbitraryBatch(), (p) => {
      const widened = {
        ...p,
        logits: Array.from(new Float32Array(p.logits)),
        weights: p.weights && Array.from(new Float32Array(p.weights)),
      };
      const a = run(p, true);
      const b = run(widened, false);
      return a.loss === b.loss && a.gradient!.every((g, i) => g === b.gradient![i]);
    }),
    RUNS,
  );
  t.pass('300 random batches agree');
});

t.test('extreme logits and gamma < 1 stay finite and non-negative', async (t) => {
  const extreme = fc.oneof(fc.constantFrom(1000, -1000, 745, -745, 40, -40, 0), fc.double({ min: -1000, max: 1000, noNaN: true }));
  fc.assert(
    fc.property(
      arbitraryBatch(),
      fc.array(extreme, { minLength: 200, maxLength: 200 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (p, zs, gamma) => {
        const q = { ...p, logits: p.logits.map((_, i) => zs[i % zs.length]), gamma };
        const r = run(q);
        return (
          r.nonFinite === 0 &&
          Number.isFinite(r.loss) &&
          r.loss >= 0 &&
          r.gradient!.every(Number.isFinite) &&
          r.losses!.every((v) => Number.isFinite(v) && v >= 0)
        );
      },
    ),
    { numRuns: 500 },
  );
  t.pass('500 random extreme batches are finite');
});
