/**
 * The evaluation sums fused into the WASM kernels' pass (assembly/focal-kernels.ts,
 * src/kernels/fast-evaluation.ts) against the JS evaluation pass (evaluationSums, the reference):
 * bin counts, hit sums and confusion counts identical; bin value sums, the Brier sum and the NLL
 * sum within REL (both sum the same per-element terms in different orders, compensated across
 * chunks; measured worst a few 1e-15). Needs the .wasm from `npm run build`.
 */
import t from 'tap';
import fc from 'fast-check';
import { evaluatedFocal } from '../../src/kernels/evaluated-focal.js';
import { evaluationSums } from '../../src/kernels/evaluation-pass.js';
import { focalLossFast, initFastKernels } from '../../src/kernels/fast-focal.js';
import { focalLoss } from '../../src/kernels/focal.js';
import { BIN_FIELDS } from 'focal-loss-client/merge';
import type { EvaluationSums, KernelBatch, SigmoidBatch, SoftmaxBatch } from '../../src/kernels/types.js';
import { arbitrarySpec, BASE_SPEC, buildBatch, type Spec } from '../helpers/fast-batches.js';

/** The fused sums are checked with ignored rows too. */
const baseSpec: Spec = { ...BASE_SPEC, ignoreShare: 0.1 };

const REL = 1e-12;
const TINY = 1e-300;
let worst = 0;

function near(what: string, x: number, y: number, out: string[]): void {
  const e = x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(y), TINY);
  worst = Math.max(worst, Math.abs(y) > TINY ? e : 0);
  if (!(Math.abs(x - y) <= REL * Math.abs(y) + TINY)) out.push(`${what}: ${x} vs ${y} (rel ${e})`);
}

/** Mismatches between fused sums and the reference's (empty when they agree). */
function compareSums(fused: EvaluationSums, ref: EvaluationSums): string[] {
  const out: string[] = [];
  if (fused.calibration.length !== ref.calibration.length)
    return [`calibration length ${fused.calibration.length} vs ${ref.calibration.length}`];
  ref.calibration.forEach((y, i) => {
    const x = fused.calibration[i];
    // [count, value sum, hit sum] per bin: counts exact.
    if (i % BIN_FIELDS === 1) near(`calibration[${i}] value`, x, y, out);
    else if (x !== y) out.push(`calibration[${i}] count: ${x} vs ${y}`);
  });
  near('Brier sum', fused.scoreSums[0], ref.scoreSums[0], out);
  near('NLL sum', fused.scoreSums[1], ref.scoreSums[1], out);
  if ((fused.confusion === undefined) !== (ref.confusion === undefined)) out.push('confusion present on one side only');
  else if (ref.confusion !== undefined && Array.from(ref.confusion).join() !== Array.from(fused.confusion as Float64Array).join())
    out.push('confusion counts differ');
  return out;
}

function withRequest(p: KernelBatch, calibration: boolean, confusion: boolean): KernelBatch {
  return { ...p, evaluation: { calibration, confusion, sweep: [] } };
}

/** The fused sums of the WASM kernel (failing when it left them out) against evaluationSums. */
function check(p: KernelBatch): string[] {
  const fused = focalLossFast(p).evaluation;
  if (fused === undefined) return ['the WASM kernel did not compute the evaluation sums'];
  return compareSums(fused, evaluationSums(p, p.evaluation?.confusion === true));
}

/** Logits at +-700 (exp(-700) ~ 1e-304: p within 1e-304 of 0 or 1) mixed with moderate ones. */
function extremeLogits(p: KernelBatch, seed: number): KernelBatch {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const logits = p.logits.map((z) => (next() < 0.6 ? (next() < 0.5 ? 700 : -700) : z));
  return { ...p, logits } as KernelBatch;
}

t.test('the WASM SIMD kernels are in use', async (t) => {
  const info = initFastKernels();
  t.equal(info.wasm, true, info.reason);
});

t.test(
  'random batches: fused sums equal the JS evaluation pass (binary, multilabel, multiclass labels and probability rows)',
  async (t) => {
    // Gammas the WASM kernels take for every target kind (others fall back to JS; see below).
    const spec = arbitrarySpec()
      .filter((s) => s.scale !== 'extreme')
      .chain((s) =>
        fc.record({
          spec: fc.constant(s),
          gamma: fc.constantFrom(0, 1, 2, 2.5, 4),
          calibration: fc.boolean(),
          confusion: fc.boolean(),
          extreme: fc.boolean(),
        }),
      )
      .filter((r) => r.calibration || r.confusion);
    const kinds = new Set<string>();
    fc.assert(
      fc.property(spec, ({ spec, gamma, calibration, confusion, extreme }) => {
        const s: Spec = { ...spec, gamma };
        let p = withRequest(buildBatch(s), calibration, confusion);
        if (extreme) p = extremeLogits(p, s.seed);
        kinds.add(`${s.mode}/${s.targets}`);
        const mismatches = check(p);
        if (mismatches.length > 0) throw new Error(mismatches.slice(0, 5).join('\n'));
      }),
      { numRuns: 400 },
    );
    t.ok(
      kinds.has('multiclass/labels') && kinds.has('multiclass/prob-f32') && kinds.has('multilabel/hard-u8'),
      `kinds covered: ${[...kinds].sort().join(', ')}`,
    );
    t.pass(`400 random batches agree; worst relative error ${worst.toExponential(2)}`);
  },
);

t.test('across chunks, odd row counts, float32 and float64, confusion on and off', async (t) => {
  const failures: string[] = [];
  const shapes: [Spec['mode'], Spec['targets'], number, number][] = [
    ['binary', 'hard-f32', 20001, 1],
    ['binary', 'soft-f64', 8193, 1],
    ['multilabel', 'hard-i32', 3001, 7],
    ['multilabel', 'soft-f32', 101, 81],
    ['multiclass', 'labels', 5001, 9],
    ['multiclass', 'labels', 300, 80],
    ['multiclass', 'prob-f64', 777, 13],
    ['multiclass', 'onehot-prob', 40, 1001],
  ];
  let seed = 1;
  for (const [mode, targets, n, c] of shapes) {
    for (const logits of ['f32', 'f64'] as const) {
      for (const confusion of [false, true]) {
        const spec: Spec = {
          ...baseSpec,
          mode,
          targets,
          n,
          c,
          logits,
          seed: seed++,
          eps: seed % 2 === 0 ? 0.1 : 0,
          weights: seed % 3 === 0 ? 'f64' : 'none',
        };
        const mismatches = check(withRequest(buildBatch(spec), true, confusion));
        if (mismatches.length > 0)
          failures.push(`${mode} ${targets} ${n}x${c} ${logits} confusion ${confusion}: ${mismatches.slice(0, 3).join('; ')}`);
      }
    }
  }
  t.same(failures, []);
});

t.test('bin edges: p and the confidence on or next to k/15 land in the JS pass bins', async (t) => {
  // Sigmoid: logits log(v / (1 - v)) for v = k/15 and their neighbours, so p is within ulps of an edge.
  const logits: number[] = [];
  for (let k = 0; k <= 15; k++) {
    const v = k / 15;
    const z = Math.log(v / (1 - v));
    for (const d of [0, 1e-15, -1e-15, 1e-9, -1e-9]) logits.push(Number.isFinite(z) ? z + d : Math.sign(z) * 700);
  }
  const n = logits.length;
  const sigmoid: SigmoidBatch = {
    ...(buildBatch({ ...baseSpec, mode: 'binary', n, c: 1, logits: 'f64' }) as SigmoidBatch),
    logits: Float64Array.from(logits),
    targets: Float64Array.from(logits, (_, i) => i % 2),
  };
  t.same(check(withRequest(sigmoid, true, false)), [], 'sigmoid');
  // Softmax: rows of c equal logits have confidence exactly 1/c (c = 1, 3, 5, 15: 1/c * 15 at or near an integer).
  for (const c of [1, 2, 3, 5, 15, 16]) {
    const rows = 7;
    const softmax: SoftmaxBatch = {
      ...(buildBatch({ ...baseSpec, mode: 'multiclass', targets: 'labels', n: rows, c, logits: 'f64' }) as SoftmaxBatch),
      logits: Float64Array.from({ length: rows * c }, (_, i) => Math.floor(i / c) - 3),
      labels: Int32Array.from({ length: rows }, (_, i) => (i === 3 ? -1 : i % c)),
    };
    t.same(check(withRequest(softmax, true, true)), [], `softmax, ${c} tied classes`);
  }
});

t.test('evaluatedFocal: the fused sums in stats, no `evaluation` left on the result; equal to the JS kernel and pass', async (t) => {
  for (const mode of ['binary', 'multilabel', 'multiclass'] as const) {
    const spec: Spec = {
      ...baseSpec,
      mode,
      c: mode === 'binary' ? 1 : 6,
      n: 500,
      targets: mode === 'multiclass' ? 'labels' : 'soft-f32',
      ignoreShare: 0.2,
    };
    const p = withRequest(buildBatch(spec), true, true);
    const fast = evaluatedFocal(p, focalLossFast);
    const js = evaluatedFocal({ ...p, gradientOut: undefined, lossesOut: undefined }, focalLoss);
    t.notOk('evaluation' in fast, `${mode}: no evaluation field`);
    const pick = (r: typeof fast): EvaluationSums => ({
      calibration: r.stats.calibration as Float64Array,
      scoreSums: r.stats.scoreSums as Float64Array,
      confusion: r.stats.confusion,
    });
    t.same(compareSums(pick(fast), pick(js)), [], `${mode}: stats agree`);
    t.equal(fast.stats.confusion === undefined, mode !== 'multiclass', `${mode}: confusion only for multiclass`);
  }
});

t.test('not asked, or not the WASM kernel: no fused sums, and evaluatedFocal falls back to the JS pass', async (t) => {
  const p = buildBatch({ ...baseSpec, mode: 'multilabel', n: 50, c: 4, targets: 'hard-f32' });
  t.equal(focalLossFast(p).evaluation, undefined, 'no evaluation request: none computed');
  t.equal(
    focalLossFast({ ...p, evaluation: { calibration: false, confusion: false, sweep: [{ gamma: 1, alpha: null }] } }).evaluation,
    undefined,
    'sweep only: none',
  );
  // Per-class gamma: a variant the WASM kernels leave to JS.
  const variant = withRequest({ ...p, gammas: Float64Array.of(1, 2, 3, 0) }, true, false);
  t.equal(focalLossFast(variant).evaluation, undefined, 'variant: the JS kernel, no fused sums');
  const r = evaluatedFocal(variant, focalLossFast);
  t.same(
    compareSums(
      { calibration: r.stats.calibration as Float64Array, scoreSums: r.stats.scoreSums as Float64Array, confusion: undefined },
      evaluationSums(variant, false),
    ),
    [],
    'the JS pass filled them in',
  );
  // A logit of 1.7e308 in a multiclass row overflows the loss: the JS kernel's answer, and the JS pass.
  const huge = withRequest(buildBatch({ ...baseSpec, mode: 'multiclass', targets: 'labels', n: 4, c: 3 }), true, true) as SoftmaxBatch;
  const overflow = { ...huge, logits: Float64Array.of(1.7e308, -1.7e308, 0, 1, 2, 3, 0, 0, 0, 5, 4, 3) };
  const o = focalLossFast(overflow);
  if (o.nonFinite > 0) t.equal(o.evaluation, undefined, 'overflowing batch: JS fallback, no fused sums');
  else t.same(compareSums(o.evaluation as EvaluationSums, evaluationSums(overflow, true)), [], 'finite: fused sums agree');
});
