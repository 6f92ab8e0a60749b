/**
 * Builds kernel batches (typed arrays) from the plain description the naive oracle uses,
 * and fast-check arbitraries for random focal-loss batches.
 */
import fc from 'fast-check';
import type { KernelBatch, SigmoidBatch, SoftmaxBatch } from '../../src/kernels/types.js';
import type { NaiveBatch } from './naive-focal.js';

export function toKernelBatch(p: NaiveBatch, f32 = false): KernelBatch {
  const F = (a: number[]) => (f32 ? new Float32Array(a) : new Float64Array(a));
  const common = {
    n: p.n,
    c: p.c,
    logits: F(p.logits),
    weights: p.weights === null ? null : F(p.weights),
    alpha: p.alpha === null ? null : new Float64Array(p.alpha),
    gamma: p.gamma,
    labelSmoothing: p.eps,
    reduction: p.reduction,
    normalizer: null,
    wantGradient: true,
    wantLosses: true,
  };
  if (p.mode === 'multiclass') {
    return {
      mode: 'multiclass',
      ...common,
      labels: p.classIds ? new Int32Array(p.targets) : null,
      probabilities: p.classIds ? null : new Float64Array(p.targets),
    };
  }
  return { mode: p.mode, ...common, targets: new Float64Array(p.targets) };
}

const logit = fc.double({ min: -6, max: 6, noNaN: true });
const unit = fc.double({ min: 0, max: 1, noNaN: true });

/** Random batches with moderate logits, where the naive formulas are accurate. */
export function arbitraryBatch(opts: { gammaMin?: number } = {}): fc.Arbitrary<NaiveBatch> {
  return fc
    .record({
      mode: fc.constantFrom('binary', 'multilabel', 'multiclass') as fc.Arbitrary<NaiveBatch['mode']>,
      n: fc.integer({ min: 1, max: 6 }),
      c: fc.integer({ min: 2, max: 5 }),
      gamma: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4), fc.double({ min: opts.gammaMin ?? 0, max: 5, noNaN: true })),
      eps: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
      reduction: fc.constantFrom('mean', 'sum', 'none') as fc.Arbitrary<NaiveBatch['reduction']>,
      withAlpha: fc.boolean(),
      withWeights: fc.boolean(),
      classIds: fc.boolean(),
      hard: fc.boolean(),
      seed: fc.array(fc.tuple(logit, unit, unit), { minLength: 30, maxLength: 30 }),
    })
    .chain((r) => {
      const c = r.mode === 'binary' ? 1 : r.c;
      const size = r.n * c;
      return fc
        .record({
          logits: fc.array(logit, { minLength: size, maxLength: size }),
          unitValues: fc.array(unit, { minLength: size, maxLength: size }),
          ids: fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: r.n, maxLength: r.n }),
          weights: fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: r.n, maxLength: r.n }),
          alpha: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: c, maxLength: c }),
        })
        .map((d): NaiveBatch => {
          let targets: number[];
          let classIds = false;
          if (r.mode !== 'multiclass') {
            targets = d.unitValues.map((u) => (r.hard ? (u < 0.3 ? 1 : 0) : u));
          } else if (r.classIds) {
            targets = d.ids;
            classIds = true;
          } else {
            targets = [];
            for (let i = 0; i < r.n; i++) {
              const row = d.unitValues.slice(i * c, (i + 1) * c).map((u) => u + 0.01);
              const s = row.reduce((a, b) => a + b, 0);
              targets.push(...row.map((v) => v / s));
            }
          }
          return {
            mode: r.mode,
            n: r.n,
            c,
            logits: d.logits,
            targets,
            classIds,
            weights: r.withWeights ? d.weights : null,
            alpha: r.withAlpha ? d.alpha : null,
            gamma: r.gamma,
            eps: r.eps,
            reduction: r.reduction,
          };
        });
    });
}

/** The settings both builders start from: gamma 2, no alpha or weights, mean, every output. */
const SETTINGS = {
  weights: null,
  alpha: null,
  gamma: 2,
  labelSmoothing: 0,
  reduction: 'mean',
  normalizer: null,
  wantGradient: true,
  wantLosses: true,
} as const;

/** A one-element binary batch (z = 0, y = 1, gamma 2, no alpha), with `over` replacing any field. */
export const sigmoidBatch = (over: Partial<SigmoidBatch>): SigmoidBatch => ({
  mode: 'binary',
  n: 1,
  c: 1,
  logits: new Float64Array([0]),
  targets: new Float64Array([1]),
  ...SETTINGS,
  ...over,
});

/** A 2 x 3 multiclass batch with class ids (gamma 2, no alpha), with `over` replacing any field. */
export const softmaxBatch = (over: Partial<SoftmaxBatch>): SoftmaxBatch => ({
  mode: 'multiclass',
  n: 2,
  c: 3,
  logits: new Float64Array([1, 2, 3, 3, 2, 1]),
  labels: new Int32Array([0, 2]),
  probabilities: null,
  ...SETTINGS,
  ...over,
});
