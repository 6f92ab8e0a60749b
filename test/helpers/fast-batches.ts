/**
 * Random kernel batches for holding focalLossFast (the WASM SIMD kernels) to focalLoss (the JS
 * reference kernels), and the comparison between their results.
 *
 * Batches are drawn as a small record of choices plus a seed; the arrays are filled from the seed
 * by a fixed generator, so large batches (several WASM chunks) are cheap to draw and every failure
 * is reproducible from the record fast-check prints.
 */
import fc from 'fast-check';
import {
  elementIndex,
  positionsOf,
  type FloatArray,
  type KernelBatch,
  type FocalResult,
  type Reduction,
  type TargetArray,
} from '../../src/kernels/types.js';
import { gradientScale } from '../../src/kernels/reduction.js';

export interface Spec {
  mode: 'binary' | 'multilabel' | 'multiclass';
  n: number;
  c: number;
  gamma: number;
  eps: number;
  reduction: Reduction;
  normalizer: number | null;
  weights: 'none' | 'f32' | 'f64';
  alpha: boolean;
  logits: 'f32' | 'f64';
  /** moderate: N(0, 3^2); wide: +-1000 and specials; extreme: also +-1.7e308. */
  scale: 'moderate' | 'wide' | 'extreme';
  /** Sigmoid targets: soft values or hard 0/1 in one of four array types. Multiclass: class ids (with ignored rows) or probability rows. */
  targets: 'soft-f32' | 'soft-f64' | 'hard-f32' | 'hard-f64' | 'hard-u8' | 'hard-i32' | 'labels' | 'prob-f32' | 'prob-f64' | 'onehot-prob';
  ignoreShare: number;
  wantGradient: boolean;
  wantLosses: boolean;
  /** Write into views of a SharedArrayBuffer at a nonzero byte offset (gradientOut, lossesOut). */
  shared: boolean;
  seed: number;
}

/** One small binary batch: the spec the kernel tests vary one field at a time. */
export const BASE_SPEC: Spec = {
  mode: 'binary',
  n: 1,
  c: 1,
  gamma: 2,
  eps: 0,
  reduction: 'mean',
  normalizer: null,
  weights: 'none',
  alpha: false,
  logits: 'f32',
  scale: 'moderate',
  targets: 'hard-f32',
  ignoreShare: 0,
  wantGradient: true,
  wantLosses: true,
  shared: false,
  seed: 1,
};

export const GAMMAS = [0, 0.5, 1, 2, 2.5, 3.7, 4, 4.5, 0.25, 5];

const SPECIALS = [1000, -1000, 745, -745, 40, -40, 37, -37, 0, 1e-300, -1e-300];

/** Arbitrary specs: sizes odd and even, below and above a WASM chunk (8192 elements). */
export function arbitrarySpec(): fc.Arbitrary<Spec> {
  return fc
    .record({
      mode: fc.constantFrom('binary', 'multilabel', 'multiclass') as fc.Arbitrary<Spec['mode']>,
      size: fc.constantFrom('small', 'small', 'small', 'medium', 'large') as fc.Arbitrary<'small' | 'medium' | 'large'>,
      n0: fc.integer({ min: 1, max: 1 << 30 }),
      c0: fc.integer({ min: 1, max: 1 << 30 }),
      gamma: fc.oneof(fc.constantFrom(...GAMMAS), fc.double({ min: 0, max: 6, noNaN: true })),
      eps: fc.oneof(fc.constant(0), fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
      reduction: fc.constantFrom('mean', 'sum', 'none') as fc.Arbitrary<Reduction>,
      normalizer: fc.oneof(fc.constant(null), fc.constant(null), fc.double({ min: 0.5, max: 1000, noNaN: true })),
      weights: fc.constantFrom('none', 'f32', 'f64') as fc.Arbitrary<Spec['weights']>,
      alpha: fc.boolean(),
      logits: fc.constantFrom('f32', 'f64') as fc.Arbitrary<Spec['logits']>,
      scale: fc.constantFrom('moderate', 'moderate', 'wide', 'extreme') as fc.Arbitrary<Spec['scale']>,
      sigmoidTargets: fc.constantFrom('soft-f32', 'soft-f64', 'hard-f32', 'hard-f64', 'hard-u8', 'hard-i32') as fc.Arbitrary<
        Spec['targets']
      >,
      softmaxTargets: fc.constantFrom('labels', 'labels', 'prob-f32', 'prob-f64', 'onehot-prob') as fc.Arbitrary<Spec['targets']>,
      ignoreShare: fc.constantFrom(0, 0, 0.2, 1),
      wantGradient: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
      wantLosses: fc.boolean(),
      shared: fc.boolean(),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    })
    .map((r): Spec => {
      const cMax = r.size === 'large' && r.mode === 'multiclass' ? 1200 : r.size === 'small' ? 9 : 85;
      const c = r.mode === 'binary' ? 1 : 1 + (r.c0 % cMax);
      const elements = r.size === 'small' ? 60 : r.size === 'medium' ? 3000 : 40000;
      const n = 1 + (r.n0 % Math.max(1, Math.floor(elements / c)));
      return {
        mode: r.mode,
        n,
        c,
        gamma: r.gamma,
        eps: r.eps,
        reduction: r.reduction,
        normalizer: r.reduction === 'mean' ? r.normalizer : null,
        weights: r.weights,
        alpha: r.alpha,
        logits: r.logits,
        scale: r.scale,
        targets: r.mode === 'multiclass' ? r.softmaxTargets : r.sigmoidTargets,
        ignoreShare: r.ignoreShare,
        wantGradient: r.wantGradient,
        wantLosses: r.wantLosses,
        shared: r.shared,
        seed: r.seed,
      };
    });
}

function generator(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** The batch a spec describes (its arrays filled from the seed). */
export function buildBatch(spec: Spec): KernelBatch {
  const next = generator(spec.seed);
  const { n, c } = spec;
  const total = n * c;
  const normal = () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  const logit = (): number => {
    const u = next();
    if (spec.scale === 'moderate' || u < 0.5) return 3 * normal();
    if (spec.scale === 'extreme' && u > 0.93) return next() < 0.5 ? 1.7e308 : -1.7e308;
    if (u < 0.75) return SPECIALS[Math.floor(next() * SPECIALS.length)];
    return (next() * 2 - 1) * 1000;
  };
  const F = (kind: 'f32' | 'f64', length: number, f: (i: number) => number): FloatArray =>
    kind === 'f32' ? Float32Array.from({ length }, (_, i) => f(i)) : Float64Array.from({ length }, (_, i) => f(i));
  const logits = F(spec.logits, total, logit);
  const weights = spec.weights === 'none' ? null : F(spec.weights, n, () => (next() < 0.1 ? 0 : next() * 3));
  const alpha = spec.alpha ? Float64Array.from({ length: c }, () => next()) : null;
  const sharedOut = (length: number): Float64Array | undefined => {
    if (!spec.shared) return undefined;
    // A view at a nonzero byte offset into a shared buffer, as when a batch is split across workers.
    return new Float64Array(new SharedArrayBuffer((length + 3) * 8), 24, length);
  };
  const common = {
    n,
    c,
    logits,
    weights,
    alpha,
    gamma: spec.gamma,
    labelSmoothing: spec.eps,
    reduction: spec.reduction,
    normalizer: spec.normalizer,
    wantGradient: spec.wantGradient,
    wantLosses: spec.wantLosses,
    gradientOut: spec.wantGradient ? sharedOut(total) : undefined,
  };
  if (spec.mode === 'multiclass') {
    const lossesOut = spec.wantLosses ? sharedOut(n) : undefined;
    if (spec.targets === 'labels') {
      const labels = Int32Array.from({ length: n }, () => (next() < spec.ignoreShare ? -1 : Math.floor(next() * c)));
      return { mode: 'multiclass', ...common, lossesOut, labels, probabilities: null };
    }
    const kind = spec.targets === 'prob-f32' ? 'f32' : 'f64';
    const probabilities = F(kind, total, () => 0);
    for (let i = 0; i < n; i++) {
      if (spec.targets === 'onehot-prob') {
        probabilities[i * c + Math.floor(next() * c)] = 1;
        continue;
      }
      let s = 0;
      for (let k = 0; k < c; k++) s += probabilities[i * c + k] = next() < 0.3 ? 0 : next();
      if (s === 0) probabilities[i * c] = s = 1;
      for (let k = 0; k < c; k++) probabilities[i * c + k] /= s;
    }
    return { mode: 'multiclass', ...common, lossesOut, labels: null, probabilities };
  }
  const lossesOut = spec.wantLosses ? sharedOut(total) : undefined;
  const soft = spec.targets.startsWith('soft');
  const value = () => (soft ? (next() < 0.2 ? Math.round(next()) : next()) : next() < 0.3 ? 1 : 0);
  let targets: TargetArray;
  if (spec.targets === 'hard-u8') targets = Uint8Array.from({ length: total }, value);
  else if (spec.targets === 'hard-i32') targets = Int32Array.from({ length: total }, value);
  else targets = F(spec.targets.endsWith('f32') ? 'f32' : 'f64', total, value);
  return { mode: spec.mode, ...common, lossesOut, targets };
}

/** A fresh copy of a batch (its own output arrays), so two kernels can run on the same input. */
export function cloneBatch(p: KernelBatch): KernelBatch {
  const out = (a: Float64Array | undefined) =>
    a === undefined ? undefined : new Float64Array(new SharedArrayBuffer((a.length + 3) * 8), 24, a.length);
  return { ...p, gradientOut: out(p.gradientOut), lossesOut: out(p.lossesOut) };
}

/**
 * Tolerances, from measurement (see test/kernels/fast-focal.test.ts):
 * - loss, lossSum, every element's or row's loss and the per-class loss sums: relative 1e-13
 *   (measured worst over 12,000 random batches: 3.0e-15, about 14 ulp: the exp/log1p
 *   polynomials in Estrin's form and the order of the sums differ by a few ulp).
 * - gradient: relative 1e-13 of the value plus 1e-14 of the scale of the terms it is the
 *   difference of (gradientScales below; measured worst 7.2e-16 of that scale, about 3 ulp). A
 *   gradient element may cancel to near zero (a multiclass row's gradient sums to zero; a soft
 *   label's gradient vanishes where p = y'); there a few-ulp change in a term is a large relative
 *   change of the result, for the JS kernel against the exact value just as for this one, so no
 *   relative bound alone can hold (measured: up to 3e-3 relative on a value 1e-15 of its scale).
 * - counts, histograms, count, denominator and nonFinite: identical; when nonFinite > 0 every
 *   number identical (the fast path hands such batches to the JS kernel).
 */
export const REL = 1e-13;
export const GRAD_SCALE_REL = 1e-14;
export const CLASS_SUM_REL = 1e-13;
const TINY = 1e-300;

export interface Worst {
  loss: number;
  losses: number;
  gradient: number;
  gradientScaled: number;
  classSums: number;
}

export const worst: Worst = { loss: 0, losses: 0, gradient: 0, gradientScaled: 0, classSums: 0 };

const relErr = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), TINY));

/**
 * Mismatches between the fast result `a` and the reference result `b` of the same batch
 * (empty when they agree within the tolerances above); updates `worst`.
 */
export function compareResults(p: KernelBatch, a: FocalResult, b: FocalResult): string[] {
  const out: string[] = [];
  const same = (what: string, x: unknown, y: unknown) => {
    if (!Object.is(x, y)) out.push(`${what}: ${String(x)} !== ${String(y)}`);
  };
  same('nonFinite', a.nonFinite, b.nonFinite);
  same('count', a.count, b.count);
  same('denominator', a.denominator, b.denominator);
  if (b.nonFinite > 0) {
    // Both non-finite: the fast path recomputes with the JS kernel, so everything is identical.
    same('loss', a.loss, b.loss);
    same('lossSum', a.lossSum, b.lossSum);
  } else {
    for (const [what, x, y] of [
      ['loss', a.loss, b.loss],
      ['lossSum', a.lossSum, b.lossSum],
    ] as const) {
      const e = relErr(x, y);
      worst.loss = Math.max(worst.loss, e);
      if (!(Math.abs(x - y) <= REL * Math.abs(y) + TINY)) out.push(`${what}: ${x} vs ${y} (rel ${e})`);
    }
  }
  same('gradient present', a.gradient === null, b.gradient === null);
  same('losses present', a.losses === null, b.losses === null);
  if (p.gradientOut !== undefined && p.wantGradient) same('gradient is gradientOut', a.gradient, p.gradientOut);
  if (p.lossesOut !== undefined && p.wantLosses) same('losses is lossesOut', a.losses, p.lossesOut);
  if (a.losses !== null && b.losses !== null) {
    same('losses length', a.losses.length, b.losses.length);
    for (let i = 0; i < b.losses.length; i++) {
      const [x, y] = [a.losses[i], b.losses[i]];
      if (b.nonFinite > 0 || !Number.isFinite(y)) {
        if (!Object.is(x, y)) out.push(`losses[${i}]: ${x} vs ${y}`);
        continue;
      }
      worst.losses = Math.max(worst.losses, relErr(x, y));
      if (!(Math.abs(x - y) <= REL * Math.abs(y) + TINY)) out.push(`losses[${i}]: ${x} vs ${y}`);
    }
  }
  if (a.gradient !== null && b.gradient !== null) {
    same('gradient length', a.gradient.length, b.gradient.length);
    const scales = gradientScales(p, b.gradient, b.denominator);
    for (let i = 0; i < b.gradient.length; i++) {
      const [x, y] = [a.gradient[i], b.gradient[i]];
      if (b.nonFinite > 0) {
        if (!Object.is(x, y)) out.push(`gradient[${i}]: ${x} vs ${y}`);
        continue;
      }
      const err = Math.abs(x - y);
      worst.gradient = Math.max(worst.gradient, relErr(x, y));
      if (err > 0) worst.gradientScaled = Math.max(worst.gradientScaled, err / Math.max(scales[i], TINY));
      if (!(err <= REL * Math.abs(y) + GRAD_SCALE_REL * scales[i] + TINY)) out.push(`gradient[${i}]: ${x} vs ${y} (scale ${scales[i]})`);
      if (out.length > 20) return out;
    }
  }
  const s = a.stats;
  const r = b.stats;
  for (const key of ['support', 'tp', 'fp', 'fn', 'ptHistogram'] as const) {
    same(`stats.${key}`, Array.from(s[key]).join(), Array.from(r[key]).join());
  }
  for (const key of ['lossSum', 'posLossSum', 'negLossSum'] as const) {
    const x = s[key];
    const y = r[key];
    if (x === null || y === null) {
      same(`stats.${key} null`, x === null, y === null);
      continue;
    }
    for (let k = 0; k < y.length; k++) {
      if (b.nonFinite > 0) {
        if (!Object.is(x[k], y[k])) out.push(`stats.${key}[${k}]: ${x[k]} vs ${y[k]}`);
        continue;
      }
      worst.classSums = Math.max(worst.classSums, relErr(x[k], y[k]));
      if (!(Math.abs(x[k] - y[k]) <= CLASS_SUM_REL * Math.abs(y[k]) + TINY)) out.push(`stats.${key}[${k}]: ${x[k]} vs ${y[k]}`);
    }
  }
  return out;
}

/**
 * The scale of the terms each gradient element is a difference of: |w sc| (1 + gamma) a_max, with
 * sc the gradient's 1/denominator and a_max the largest alpha factor (sigmoid: max(alpha, 1 - alpha)
 * of the column; multiclass: the largest alpha_k, since the row's terms sum over classes).
 * Sigmoid: |dmod ce| <= gamma m^gamma and |m^gamma dce| <= 1. Multiclass: the gradient is
 * w sc [p_j T - (p_j + o_j) y'_j a_j B_j] with B_k <= 1 + gamma and T = sum_k y'_k a_k B_k.
 */
function gradientScales(p: KernelBatch, g: Float64Array, denominator: number): Float64Array {
  const { n, c } = p;
  const scales = new Float64Array(g.length);
  const sc = gradientScale(p.reduction, denominator);
  let alphaMax = 1;
  if (p.alpha !== null && p.mode === 'multiclass') alphaMax = Math.max(...p.alpha);
  for (let i = 0; i < n; i++) {
    // Weights are one per sample of S positions (types.ts); S = 1 for an ordinary batch.
    const w = p.weights === null ? 1 : p.weights[Math.floor(i / positionsOf(p))];
    for (let k = 0; k < c; k++) {
      const a = p.alpha === null ? 1 : p.mode === 'multiclass' ? alphaMax : Math.max(p.alpha[k], 1 - p.alpha[k]);
      scales[elementIndex(i, k, c, positionsOf(p))] = Math.abs(w * sc) * (1 + p.gamma) * a;
    }
  }
  return scales;
}
