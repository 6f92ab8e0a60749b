/**
 * The kernels walk a dense batch [N, C, d1..dk] in place (types.ts `positions` S): a dense batch
 * must give what its reshaped 2-D batch [N*S, C] gives, with the gradient and losses moved back.
 * The test moves the arrays with its own loops (toRows, fromRows below), for the JS kernels
 * (focalLoss), the WASM kernels (focalLossFast), the evaluation pass and a batch split on whole
 * samples across "workers" (split-batch.ts), for every mode, both multiclass target forms, weights
 * (one per sample), the variants and per-class gamma.
 *
 * What must be equal and how:
 * - per element and per row (gradient, losses): bit for bit. Each value is computed by the same
 *   operations on the same inputs whatever the layout (sigmoid elementwise; softmax over a row's
 *   classes, in class pairs in WASM either way).
 * - counts and histograms, count, denominator: exactly.
 * - sums over many elements (loss, per-class loss sums, Brier and NLL, calibration value sums):
 *   to rounding (1e-13 relative, as fast-batches.ts allows the WASM kernels against JS), since
 *   the chunks the sums are cut into differ between the layouts. The JS kernels walk rows in the
 *   same chunks in both layouts, so their loss sums are checked bit for bit.
 */
import t from 'tap';
import fc from 'fast-check';
import { focalLoss } from '../../src/kernels/focal.js';
import { focalLossFast, fastKernelInfo } from '../../src/kernels/fast-focal.js';
import { withEvaluation } from '../../src/kernels/evaluated-focal.js';
import { batchPart, mergeParts, partRanges, partResult, shareBatch } from '../../src/kernels/split-batch.js';
import type { FloatArray, FocalResult, KernelBatch, Mode } from '../../src/kernels/types.js';
import { compareResults } from '../helpers/fast-batches.js';

interface DenseSpec {
  mode: Mode;
  n: number;
  c: number;
  spatial: number[];
  f32: boolean;
  classIds: boolean;
  ignored: boolean;
  weighted: boolean;
  variant: 'focal' | 'poly1' | 'asymmetric' | 'perClassGamma';
  gamma: number;
  smoothing: number;
  /** Sigmoid targets in (0, 1) now and then besides 0 and 1. */
  softTargets: boolean;
  reduction: 'mean' | 'sum' | 'none';
  evaluate: boolean;
  seed: number;
}

const arbitrarySpec: fc.Arbitrary<DenseSpec> = fc.record({
  mode: fc.constantFrom<Mode>('binary', 'multilabel', 'multiclass'),
  n: fc.integer({ min: 1, max: 4 }),
  c: fc.integer({ min: 2, max: 6 }),
  // Ranks 3 to 5 (binary: 2 to 4 spatial axes after N, see below).
  spatial: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
  f32: fc.boolean(),
  classIds: fc.boolean(),
  ignored: fc.boolean(),
  weighted: fc.boolean(),
  variant: fc.constantFrom('focal', 'poly1', 'asymmetric', 'perClassGamma'),
  gamma: fc.constantFrom(0, 0.5, 1, 2, 2.5, 4, 3.7),
  smoothing: fc.constantFrom(0, 0, 0.1),
  softTargets: fc.boolean(),
  reduction: fc.constantFrom('mean', 'sum', 'none'),
  evaluate: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

/** A dense batch (layout [N, C, S], positions S) and the same problem as a 2-D batch [N*S, C]. */
function buildPair(spec: DenseSpec): { dense: KernelBatch; rows: KernelBatch; s: number } {
  const c = spec.mode === 'binary' ? 1 : spec.c;
  const spatial = spec.mode === 'binary' ? [...spec.spatial, 2] : spec.spatial;
  const s = spatial.reduce((a, b) => a * b, 1);
  const { n } = spec;
  let x = spec.seed;
  const rand = () => (x = (x * 16807) % 2147483647) / 2147483647;
  const Float: new (length: number) => FloatArray = spec.f32 ? Float32Array : Float64Array;
  // Logits with ties and large magnitudes now and then (arg-max and saturation paths).
  const logits = new Float(n * c * s);
  for (let i = 0; i < logits.length; i++) {
    const u = rand();
    logits[i] = u < 0.05 ? 0 : u < 0.1 ? (rand() - 0.5) * 200 : (rand() - 0.5) * 12;
  }
  const weights = spec.weighted ? Float64Array.from({ length: n }, () => rand() * 2) : null;
  const settings = {
    alpha: null,
    gamma: spec.gamma,
    labelSmoothing: spec.smoothing,
    reduction: spec.reduction,
    normalizer: null,
    wantGradient: true,
    wantLosses: true,
    ...(spec.variant === 'poly1' ? { polyEpsilon: 0.75 } : {}),
    ...(spec.variant === 'perClassGamma' ? { gammas: Float64Array.from({ length: c }, (_, k) => [0, 0.5, 2, 1, 3, 2.5][k % 6]) } : {}),
    ...(spec.variant === 'asymmetric' && spec.mode !== 'multiclass'
      ? { asymmetric: { gammaPos: new Float64Array(c).fill(1), gammaNeg: new Float64Array(c).fill(3), clip: 0.05 } }
      : {}),
    ...(spec.evaluate ? { evaluation: { calibration: true, confusion: true, sweep: [{ gamma: 1, alpha: null }] } } : {}),
  };
  const toRows = <T extends ArrayLike<number> & { length: number }>(a: T, make: (len: number) => T): T => {
    const out = make(a.length);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < s; p++) for (let k = 0; k < c; k++) (out as any)[(i * s + p) * c + k] = a[(i * c + k) * s + p];
    return out;
  };
  const rowWeights = weights === null ? null : Float64Array.from({ length: n * s }, (_, r) => weights[Math.floor(r / s)]);
  const common = { n: n * s, c, ...settings };
  if (spec.mode === 'multiclass') {
    let labels: Int32Array | null = null;
    let probabilities: Float64Array | null = null;
    if (spec.classIds) {
      labels = Int32Array.from({ length: n * s }, () => (spec.ignored && rand() < 0.2 ? -1 : Math.floor(rand() * c)));
    } else {
      probabilities = new Float64Array(n * c * s);
      for (let i = 0; i < n; i++)
        for (let p = 0; p < s; p++) {
          const v = Array.from({ length: c }, () => rand());
          const sum = v.reduce((a, b) => a + b, 0);
          for (let k = 0; k < c; k++) probabilities[(i * c + k) * s + p] = v[k] / sum;
        }
    }
    const dense: KernelBatch = { mode: 'multiclass', ...common, positions: s, logits, weights, labels, probabilities };
    const rows: KernelBatch = {
      mode: 'multiclass',
      ...common,
      logits: toRows(logits, (l) => new Float(l)),
      weights: rowWeights,
      labels,
      probabilities: probabilities === null ? null : toRows(probabilities, (l) => new Float64Array(l)),
    };
    return { dense, rows, s };
  }
  const targets = Float64Array.from({ length: n * c * s }, () => (!spec.softTargets || rand() < 0.7 ? Math.round(rand()) : rand()));
  const dense: KernelBatch = { mode: spec.mode, ...common, positions: s, logits, weights, targets };
  const rows: KernelBatch = {
    mode: spec.mode,
    ...common,
    logits: toRows(logits, (l) => new Float(l)),
    weights: rowWeights,
    targets: toRows(targets, (l) => new Float64Array(l)),
  };
  return { dense, rows, s };
}

/** A 2-D result array [N*S, C] moved back to [N, C, S] (the test's own loop). */
function fromRows(a: Float64Array, n: number, c: number, s: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < n; i++) for (let p = 0; p < s; p++) for (let k = 0; k < c; k++) out[(i * c + k) * s + p] = a[(i * s + p) * c + k];
  return out;
}

const REL = 1e-13;
const close = (x: number, y: number) => Math.abs(x - y) <= REL * Math.max(Math.abs(x), Math.abs(y)) + 1e-300;

/** Mismatches between a dense result and its 2-D batch's result (see the header for the rules). */
function compareDense(dense: KernelBatch, s: number, a: FocalResult, b: FocalResult, exactSums: boolean): string[] {
  const out: string[] = [];
  const n = dense.n / s;
  const c = dense.c;
  const bits = (v: ArrayLike<number> | null | undefined) =>
    v == null ? 'none' : Array.from(v, (e) => (Object.is(e, -0) ? '-0' : String(e))).join();
  const exact = (what: string, x: ArrayLike<number> | null | undefined, y: ArrayLike<number> | null | undefined) => {
    if (bits(x) !== bits(y)) out.push(`${what}: ${bits(x).slice(0, 200)} !== ${bits(y).slice(0, 200)}`);
  };
  const near = (what: string, x: ArrayLike<number> | null | undefined, y: ArrayLike<number> | null | undefined) => {
    if (exactSums) return exact(what, x, y);
    if ((x == null) !== (y == null) || (x != null && y != null && (x.length !== y.length || Array.from(x).some((v, i) => !close(v, y[i])))))
      out.push(`${what}: ${bits(x).slice(0, 200)} vs ${bits(y).slice(0, 200)}`);
  };
  exact('gradient', a.gradient, b.gradient === null ? null : fromRows(b.gradient, n, c, s));
  exact('losses', a.losses, b.losses === null ? null : dense.mode === 'multiclass' ? b.losses : fromRows(b.losses, n, c, s));
  exact('count, denominator, nonFinite', [a.count, a.denominator, a.nonFinite], [b.count, b.denominator, b.nonFinite]);
  near('loss, lossSum', [a.loss, a.lossSum], [b.loss, b.lossSum]);
  const sa = a.stats;
  const sb = b.stats;
  for (const key of ['support', 'tp', 'fp', 'fn', 'ptHistogram', 'confusion'] as const) exact(`stats.${key}`, sa[key], sb[key]);
  for (const key of ['lossSum', 'posLossSum', 'negLossSum', 'sweepLossSum', 'sweepClassLossSum', 'scoreSums'] as const) {
    near(`stats.${key}`, sa[key], sb[key]);
  }
  // Calibration bins: [count, value sum, hit sum] each; counts and hits exactly, value sums to rounding.
  const cal = (r: FocalResult, field: number) =>
    r.stats.calibration === undefined ? null : r.stats.calibration.filter((_, i) => i % 3 === field);
  exact('calibration counts', cal(a, 0), cal(b, 0));
  exact('calibration hits', cal(a, 2), cal(b, 2));
  near('calibration values', cal(a, 1), cal(b, 1));
  return out;
}

/** A plain focal batch the WASM kernels compute (gamma 2), 2 x 3 x 5 x 7 with weights, evaluation asked for. */
const PLAIN: DenseSpec = {
  mode: 'multiclass',
  n: 2,
  c: 3,
  spatial: [5, 7],
  f32: false,
  classIds: true,
  ignored: true,
  weighted: true,
  variant: 'focal',
  gamma: 2,
  smoothing: 0,
  softTargets: false,
  reduction: 'mean',
  evaluate: true,
  seed: 12345,
};

const jsKernel = withEvaluation(focalLoss);
const wasmKernel = withEvaluation(focalLossFast);

t.test('the WASM kernels are in use and compute dense batches themselves (no fallback to JS)', async (t) => {
  t.equal(fastKernelInfo().wasm, true, fastKernelInfo().reason);
  for (const mode of ['binary', 'multilabel', 'multiclass'] as const) {
    const { dense } = buildPair({ ...PLAIN, mode });
    // Only the WASM kernels fuse the evaluation sums into their pass (a JS fallback leaves them out).
    t.ok(focalLossFast(dense).evaluation !== undefined, `${mode}: the WASM kernel's fused result`);
  }
});

t.test('a dense batch equals its reshaped 2-D batch with the gradient moved back (JS and WASM kernels)', async (t) => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(arbitrarySpec, (spec) => {
      const { dense, rows, s } = buildPair(spec);
      const js = compareDense(dense, s, jsKernel(dense), jsKernel(rows), !spec.evaluate);
      const wasm = compareDense(dense, s, wasmKernel(dense), wasmKernel(rows), false);
      // And the WASM kernel on the dense layout against the JS reference kernel on it.
      const reference = compareResults(dense, focalLossFast(dense), focalLoss(dense));
      const bad = [...js.map((m) => `JS ${m}`), ...wasm.map((m) => `WASM ${m}`), ...reference.map((m) => `WASM vs JS ${m}`)];
      if (bad.length > 0) throw new Error(`${JSON.stringify(spec)}\n${bad.slice(0, 8).join('\n')}`);
      seen.add(`${spec.mode}/${spec.variant}/${spec.mode === 'multiclass' ? (spec.classIds ? 'ids' : 'probabilities') : 'labels'}`);
    }),
    { numRuns: 300 },
  );
  t.ok(seen.size >= 14, `modes, variants and target forms covered: ${[...seen].sort().join(', ')}`);
});

t.test('a sample larger than a WASM chunk is walked in position ranges with the same answer', async (t) => {
  // c S > CHUNK_ELEMENTS (8192): the WASM loader cuts each sample into ranges of positions, one
  // segment per class plane; odd lengths (the last range) pair positions within the plane.
  for (const mode of ['multiclass', 'multilabel', 'binary'] as const) {
    for (const classIds of [true, false]) {
      if (mode !== 'multiclass' && !classIds) continue;
      const form = mode !== 'multiclass' ? 'labels' : classIds ? 'ids' : 'probabilities';
      const spec: DenseSpec = { ...PLAIN, mode, classIds, spatial: mode === 'binary' ? [61, 151] : [61, 75] };
      const { dense, rows, s } = buildPair(spec);
      t.ok(dense.c * s > 8192 || mode === 'binary', `${mode}: one sample is more than a chunk`);
      t.same(compareDense(dense, s, wasmKernel(dense), wasmKernel(rows), false), [], `${mode} ${form}: WASM`);
      t.same(compareDense(dense, s, jsKernel(dense), jsKernel(rows), false), [], `${mode} ${form}: JS`);
    }
  }
});

t.test('a dense batch split on whole samples and merged equals the unsplit batch', async (t) => {
  fc.assert(
    fc.property(arbitrarySpec, fc.integer({ min: 2, max: 4 }), (spec, parts) => {
      // Hard labels only: whether a batch's labels are all 0 or 1 picks its power route (power.ts),
      // and a part could be all hard where the whole is not (a last-bit difference, not a layout one).
      const { dense, s } = buildPair({ ...spec, evaluate: false, softTargets: false });
      const whole = focalLossFast(dense);
      const shared = shareBatch(dense);
      const ranges = partRanges(shared, parts);
      for (const [a, b] of ranges) if (a % s !== 0 || b % s !== 0) throw new Error(`range [${a}, ${b}) cuts a sample of ${s}`);
      const merged = mergeParts(
        shared,
        ranges.map(([a, b]) => partResult(focalLossFast(batchPart(shared, a, b)))),
      );
      // The same layout on both sides: compareDense with S = 1 compares arrays as they are.
      const bad = compareDense({ ...dense, positions: 1 }, 1, merged, whole, false);
      if (bad.length > 0) throw new Error(`${JSON.stringify(spec)} parts ${parts}\n${bad.join('\n')}`);
    }),
    { numRuns: 100 },
  );
  const { dense } = buildPair({ ...PLAIN, spatial: [3] });
  t.throws(() => batchPart(shareBatch(dense), 1, dense.n), /do not cut whole samples/, 'a range inside a sample is refused');
});
