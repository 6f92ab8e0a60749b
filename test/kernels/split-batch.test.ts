/**
 * A batch cut into row ranges, each computed on its own (as the pool's workers do, in shared
 * memory), merges into the unsplit kernel's result: gradient and losses bit for bit (each part
 * scales by the whole batch's denominator), counts and histograms exactly, sums within a few ulp
 * (only the order of additions differs). Random batches of every mode and option, random cuts.
 */
import t from 'tap';
import fc from 'fast-check';
import { focalLoss } from '../../src/kernels/focal.js';
import { batchPart, mergeParts, partResult, rowRanges, shareBatch } from '../../src/kernels/split-batch.js';
import type { KernelBatch, FocalResult } from '../../src/kernels/types.js';
import { evaluatedFocal, type FocalKernel } from '../../src/kernels/evaluated-focal.js';
import { focalLossFast, initFastKernels } from '../../src/kernels/fast-focal.js';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-13 * Math.abs(b) + 1e-300;

const batchArb: fc.Arbitrary<KernelBatch> = fc
  .record({
    mode: fc.constantFrom('binary', 'multilabel', 'multiclass' as const),
    n: fc.integer({ min: 1, max: 60 }),
    c: fc.integer({ min: 1, max: 6 }),
    gamma: fc.constantFrom(0, 0.5, 1, 2, 2.5, 3.7),
    eps: fc.constantFrom(0, 0.1),
    reduction: fc.constantFrom('mean', 'sum', 'none' as const),
    normalizer: fc.option(fc.double({ min: 0.5, max: 100, noNaN: true })),
    f32: fc.boolean(),
    withWeights: fc.boolean(),
    withAlpha: fc.boolean(),
    classIds: fc.boolean(),
    hard: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map((r): KernelBatch => {
    let s = r.seed;
    const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const c = r.mode === 'binary' ? 1 : r.c;
    const size = r.n * c;
    const F = (length: number, value: () => number) =>
      r.f32 ? Float32Array.from({ length }, value) : Float64Array.from({ length }, value);
    const common = {
      n: r.n,
      c,
      logits: F(size, () => (rand() - 0.5) * 20),
      weights: r.withWeights ? F(r.n, () => rand() * 2) : null,
      alpha: r.withAlpha ? Float64Array.from({ length: c }, () => rand()) : null,
      gamma: r.gamma,
      labelSmoothing: r.eps,
      reduction: r.reduction,
      normalizer: r.normalizer,
      wantGradient: true,
      wantLosses: r.reduction === 'none' || r.seed % 2 === 0,
    };
    if (r.mode === 'multiclass') {
      if (r.classIds) {
        // -1 marks ignored rows (ignore_index), which the mean does not count.
        return {
          mode: 'multiclass',
          ...common,
          labels: Int32Array.from({ length: r.n }, () => Math.floor(rand() * (c + 1)) - 1),
          probabilities: null,
        };
      }
      const probabilities = new Float64Array(size);
      for (let i = 0; i < r.n; i++) {
        let sum = 0;
        for (let k = 0; k < c; k++) sum += probabilities[i * c + k] = rand() + 0.01;
        for (let k = 0; k < c; k++) probabilities[i * c + k] /= sum;
      }
      return { mode: 'multiclass', ...common, labels: null, probabilities };
    }
    const targets = r.hard ? Uint8Array.from({ length: size }, () => (rand() < 0.3 ? 1 : 0)) : Float64Array.from({ length: size }, rand);
    return { mode: r.mode, ...common, targets };
  });

/** Cut points: `parts` ranges in random places (some may be a single row). */
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 7 });

function splitAndMerge(batch: KernelBatch, cuts: number[], kernel: FocalKernel = focalLoss): FocalResult {
  const shared = shareBatch(batch);
  // Shared outputs come from reused memory (memory/batch-memory.ts): whatever an earlier batch
  // left there, which each part's kernel must clear at its own rows.
  shared.gradientOut?.fill(NaN);
  shared.lossesOut?.fill(-1);
  const points = [...new Set([0, ...cuts.map((u) => Math.floor(u * batch.n)), batch.n])].sort((a, b) => a - b);
  const parts = [];
  for (let p = 0; p + 1 < points.length; p++)
    if (points[p] < points[p + 1]) parts.push(partResult(kernel(batchPart(shared, points[p], points[p + 1]))));
  return mergeParts(shared, parts.reverse());
}

t.test('split and merged equals unsplit, for random batches and random cuts, with the JS and the WASM kernel', async (t) => {
  t.ok(initFastKernels().wasm, 'the WASM kernels are built (npm run build:wasm)');
  for (const kernel of [focalLoss, focalLossFast]) {
    fc.assert(
      fc.property(batchArb, cutsArb, (batch, cuts) => {
        const whole = kernel(batch);
        const merged = splitAndMerge(batch, cuts, kernel);
        const same = (a: ArrayLike<number> | null, b: ArrayLike<number> | null) =>
          a === null ? b === null : b !== null && a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
        const near = (a: ArrayLike<number> | null, b: ArrayLike<number> | null) =>
          a === null ? b === null : b !== null && Array.from(a).every((v, i) => close(v, b[i]));
        const s = merged.stats;
        const w = whole.stats;
        return (
          close(merged.loss, whole.loss) &&
          close(merged.lossSum, whole.lossSum) &&
          merged.count === whole.count &&
          merged.denominator === whole.denominator &&
          merged.nonFinite === whole.nonFinite &&
          same(merged.gradient, whole.gradient) &&
          same(merged.losses, whole.losses) &&
          same(s.support, w.support) &&
          same(s.tp, w.tp) &&
          same(s.fp, w.fp) &&
          same(s.fn, w.fn) &&
          same(s.ptHistogram, w.ptHistogram) &&
          near(s.lossSum, w.lossSum) &&
          near(s.posLossSum, w.posLossSum) &&
          near(s.negLossSum, w.negLossSum)
        );
      }),
      { numRuns: 500 },
    );
  }
  t.pass('500 random batches and cuts agree, each kernel');
});

/** The batch asking for every evaluation sum: calibration, confusion (multiclass) and a sweep (not with none). */
function withEvaluationRequest(batch: KernelBatch): KernelBatch {
  const alpha = batch.alpha === null ? null : batch.alpha.map((a) => a / 2);
  const sweep =
    batch.reduction === 'none'
      ? []
      : [
          { gamma: 0, alpha: null },
          { gamma: 1.5, alpha },
          { gamma: batch.gamma, alpha: batch.alpha },
        ];
  return { ...batch, evaluation: { calibration: true, confusion: batch.mode === 'multiclass', sweep } };
}

const EVALUATION_SUMS = ['calibration', 'scoreSums', 'confusion', 'sweepLossSum', 'sweepClassLossSum'] as const;

t.test(
  'evaluation sums: split and merged equals unsplit (counts exactly, sums within ulps), with the JS and the WASM kernel',
  async (t) => {
    t.ok(initFastKernels().wasm, 'the WASM kernels are built (npm run build:wasm)');
    for (const kernel of [(p: KernelBatch) => evaluatedFocal(p, focalLoss), (p: KernelBatch) => evaluatedFocal(p, focalLossFast)]) {
      fc.assert(
        fc.property(batchArb, cutsArb, (plain, cuts) => {
          const batch = withEvaluationRequest(plain);
          const whole = kernel(batch).stats;
          const merged = splitAndMerge(batch, cuts, kernel).stats;
          return EVALUATION_SUMS.every((key) => {
            const a = merged[key];
            const b = whole[key];
            if (a === undefined || b === undefined) return a === b;
            // Counts (every even calibration field, confusion) are integers: exact; sums within ulps.
            return a.length === b.length && Array.from(a).every((v, i) => close(v, b[i]));
          });
        }),
        { numRuns: 300 },
      );
    }
    t.pass('300 random batches and cuts agree, each kernel');
  },
);

t.test('evaluation sums do not depend on the kernel path: the WASM kernel and the JS kernel agree', async (t) => {
  initFastKernels();
  fc.assert(
    fc.property(batchArb, (plain) => {
      const batch = withEvaluationRequest(plain);
      const fast = evaluatedFocal(batch, focalLossFast).stats;
      const js = evaluatedFocal(batch, focalLoss).stats;
      return EVALUATION_SUMS.every((key) => {
        const a = fast[key];
        const b = js[key];
        return a === undefined ? b === undefined : b !== undefined && Array.from(a).every((v, i) => close(v, b[i]));
      });
    }),
    { numRuns: 300 },
  );
  t.pass('300 random batches agree');
});

t.test('shareBatch puts inputs and outputs in shared memory; parts are views, not copies', async (t) => {
  const batch: KernelBatch = {
    mode: 'multiclass',
    n: 4,
    c: 2,
    logits: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]),
    labels: new Int32Array([0, 1, -1, 1]),
    probabilities: null,
    weights: new Float64Array([1, 2, 3, 4]),
    alpha: null,
    gamma: 2,
    labelSmoothing: 0,
    reduction: 'none',
    normalizer: null,
    wantGradient: true,
    wantLosses: true,
  };
  const shared = shareBatch(batch);
  t.ok(
    shared.logits.buffer instanceof SharedArrayBuffer && shared.logits instanceof Float32Array,
    'logits keep their dtype, in shared memory',
  );
  t.ok(shared.mode === 'multiclass' && shared.labels!.buffer instanceof SharedArrayBuffer);
  t.equal(shared.gradientOut!.length, 8);
  t.equal(shared.lossesOut!.length, 4, 'one loss per multiclass row');
  const part = batchPart(shared, 1, 3);
  t.equal(part.logits.buffer, shared.logits.buffer, 'a part reads the shared logits');
  t.equal(part.gradientOut!.byteOffset, 2 * 8, 'and writes the gradient at its own rows');
  t.same(Array.from(part.logits), [3, 4, 5, 6]);
  t.equal(shareBatch(shared).logits, shared.logits, 'arrays already shared are not copied again');
});

t.test('rowRanges covers every row once, in near-equal contiguous ranges', async (t) => {
  t.same(rowRanges(10, 3), [
    [0, 3],
    [3, 6],
    [6, 10],
  ]);
  t.same(
    rowRanges(2, 5),
    [
      [0, 1],
      [1, 2],
    ],
    'never more ranges than rows',
  );
  t.same(rowRanges(7, 1), [[0, 7]]);
});

t.test('a merged sum that overflows is reported as non-finite', async (t) => {
  const z = 1.7e308;
  const batch: KernelBatch = {
    mode: 'binary',
    n: 2,
    c: 1,
    logits: new Float64Array([z, z]),
    targets: new Float64Array([0, 0]),
    weights: null,
    alpha: null,
    gamma: 0,
    labelSmoothing: 0,
    reduction: 'sum',
    normalizer: null,
    wantGradient: true,
    wantLosses: false,
  };
  const shared = shareBatch(batch);
  const merged = mergeParts(shared, [partResult(focalLoss(batchPart(shared, 0, 1))), partResult(focalLoss(batchPart(shared, 1, 2)))]);
  t.equal(merged.nonFinite, 1, 'each part is finite, their sum is not');
  t.equal(focalLoss(batch).nonFinite, 1, 'as the unsplit kernel says');
});
