/**
 * focalLossFast (the WASM SIMD kernels, src/kernels/fast-focal.ts) against focalLoss (the JS
 * reference kernels) and against the reference cases; the loader and every fallback to JS.
 * Needs the .wasm from `npm run build` (npm test and npm ci build it first).
 * Tolerances and why: test/helpers/fast-batches.ts.
 */
import { sigmoidBatch, softmaxBatch } from '../helpers/batches.js';
import t from 'tap';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { focalLoss } from '../../src/kernels/focal.js';
import { CHUNK_ELEMENTS, defaultWasmPath, fastKernelInfo, focalLossFast, initFastKernels } from '../../src/kernels/fast-focal.js';
import type { KernelBatch, FocalResult, SigmoidBatch } from '../../src/kernels/types.js';
import { decodeLossRequest } from '../../src/tensors/decode-loss-request.js';
import { encodeLossResponse } from '../../src/tensors/encode-loss-response.js';
import type { LossRequest } from '../../src/schemas/loss-request.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';
import { arbitrarySpec, BASE_SPEC, buildBatch, cloneBatch, compareResults, GAMMAS, worst, type Spec } from '../helpers/fast-batches.js';

/** Runs both kernels on the same input (each with its own output arrays) and compares. */
function check(p: KernelBatch): string[] {
  const reference = focalLoss(cloneBatch(p));
  return compareResults(p, focalLossFast(p), reference);
}

/** Every field of two results identical, bit for bit (the fallback paths). */
function identical(a: FocalResult, b: FocalResult): boolean {
  const arrays = (r: FocalResult) =>
    [
      r.gradient,
      r.losses,
      r.stats.support,
      r.stats.lossSum,
      r.stats.posLossSum,
      r.stats.negLossSum,
      r.stats.tp,
      r.stats.fp,
      r.stats.fn,
      r.stats.ptHistogram,
    ].map((x) => (x === null ? 'null' : Array.from(x, (v) => (Object.is(v, -0) ? '-0' : String(v))).join()));
  return (
    Object.is(a.loss, b.loss) &&
    Object.is(a.lossSum, b.lossSum) &&
    a.count === b.count &&
    Object.is(a.denominator, b.denominator) &&
    a.nonFinite === b.nonFinite &&
    arrays(a).join('|') === arrays(b).join('|')
  );
}

const sigmoid = (over: Partial<SigmoidBatch>): SigmoidBatch =>
  sigmoidBatch({ n: 3, logits: new Float64Array([0.5, -2, 3]), targets: new Float64Array([1, 0, 1]), ...over });
const softmax = softmaxBatch;

t.test('the WASM SIMD kernels are in use after npm run build', async (t) => {
  const info = fastKernelInfo();
  t.equal(info.wasm, true, info.reason);
  t.equal(info.reason, 'ok');
  t.ok(info.memoryBytes > 0);
  t.ok(info.path?.endsWith('focal-kernels.wasm'));
});

for (const file of ['cases-regular.json', 'cases-extreme.json'] as const) {
  t.test(`reference cases, ${file}: within the cases' tolerance, and equal to the JS kernel`, async (t) => {
    for (const c of loadCases(file)) {
      const decoded = decodeLossRequest(c.request as LossRequest, { maxElements: 1e7, maxClasses: 1e5 });
      const fast = focalLossFast(cloneBatch(decoded.batch));
      t.same(compareToExpected(encodeLossResponse(decoded, fast), c.expected), [], c.name);
      t.same(compareResults(decoded.batch, fast, focalLoss(cloneBatch(decoded.batch))), [], `${c.name}: against the JS kernel`);
    }
  });
}

t.test('random batches: every mode, gamma, target type, size and scale agrees with the JS kernel', async (t) => {
  fc.assert(
    fc.property(arbitrarySpec(), (spec) => {
      const mismatches = check(buildBatch(spec));
      if (mismatches.length > 0) throw new Error(mismatches.slice(0, 5).join('\n'));
    }),
    { numRuns: 1500 },
  );
  t.pass(`1500 random batches agree; worst relative errors ${JSON.stringify(worst)}`);
});

t.test('each listed gamma, every mode and target kind, odd sizes around the chunk size', async (t) => {
  const sizes: [number, number][] = [
    [1, 1],
    [3, 1],
    [CHUNK_ELEMENTS - 1, 1],
    [CHUNK_ELEMENTS + 3, 1],
    [2 * CHUNK_ELEMENTS + 1, 1],
    [7, 3],
    [101, 81],
    [5, 1001],
    [2, 2 * CHUNK_ELEMENTS + 5],
  ];
  const kinds: [Spec['mode'], Spec['targets'], number][] = [
    ['binary', 'hard-f32', 0],
    ['binary', 'soft-f64', 0.1],
    ['multilabel', 'hard-u8', 0],
    ['multilabel', 'hard-i32', 0],
    ['multilabel', 'soft-f32', 0],
    ['multiclass', 'labels', 0],
    ['multiclass', 'labels', 0.1],
    ['multiclass', 'prob-f32', 0],
    ['multiclass', 'onehot-prob', 0.05],
  ];
  let cases = 0;
  const failures: string[] = [];
  for (const gamma of GAMMAS) {
    for (const [mode, targets, eps] of kinds) {
      for (const [n, c] of sizes) {
        if ((mode === 'binary') !== (c === 1) || n * c > 3 * CHUNK_ELEMENTS) continue;
        for (const scale of ['moderate', 'wide'] as const) {
          const spec: Spec = {
            ...BASE_SPEC,
            mode,
            n,
            c,
            gamma,
            eps,
            targets,
            scale,
            alpha: cases % 2 === 0,
            weights: cases % 3 === 0 ? 'f64' : 'none',
            logits: cases % 2 === 0 ? 'f64' : 'f32',
            ignoreShare: 0.2,
            seed: cases + 1,
          };
          cases++;
          const mismatches = check(buildBatch(spec));
          if (mismatches.length > 0) failures.push(`${JSON.stringify(spec)}: ${mismatches.slice(0, 3).join('; ')}`);
        }
      }
    }
  }
  t.same(failures, [], `${cases} batches agree`);
});

t.test('NaN-free for every gamma >= 0 and finite logits up to +-1000 (and +-1.7e308 element-wise)', async (t) => {
  fc.assert(
    fc.property(arbitrarySpec(), fc.double({ min: 0, max: 6, noNaN: true }), (spec0, gamma) => {
      const spec: Spec = { ...spec0, gamma, scale: 'wide', wantGradient: true, wantLosses: true };
      const r = focalLossFast(buildBatch(spec));
      return (
        r.nonFinite === 0 &&
        Number.isFinite(r.loss) &&
        r.gradient!.every(Number.isFinite) &&
        r.losses!.every((v) => Number.isFinite(v) && v >= 0)
      );
    }),
    { numRuns: 500 },
  );
  // The edge-cases.test.ts limits at the edge of float64, through the WASM kernels.
  const z = 1.7e308;
  for (const mode of ['binary', 'multilabel'] as const) {
    const r = focalLossFast(
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
  const m = focalLossFast(
    softmax({ n: 2, c: 2, logits: new Float64Array([z, 0, 0, -z]), labels: new Int32Array([1, 0]), reduction: 'none' }),
  );
  t.equal(m.nonFinite, 0, 'multiclass: finite');
  t.same(Array.from(m.losses!), [z, 0]);
  t.same(Array.from(m.gradient!), [1, -1, 0, 0]);
  for (const gamma of [0.1, 0.5, 0.99]) {
    const r = focalLossFast(sigmoid({ n: 1, logits: new Float64Array([1000]), targets: new Float64Array([1]), gamma }));
    t.equal(r.loss, 0, `gamma ${gamma}: loss`);
    t.equal(r.gradient![0], 0, `gamma ${gamma}: gradient`);
  }
});

t.test('p_t histograms identical at bin edges: tied classes, p_t = 0.5 plus or minus an ulp', async (t) => {
  // Two classes tied at the maximum and small others: p_t of the second one is 1 / (2 + tiny),
  // just below 0.5 or exactly 0.5 depending on how the small terms are rounded into the sum.
  const row = [0.034414954483509064, 4.10939359664917, 0.9206829071044922, 40, 2.996021509170532, 40, -0.23468171060085297];
  const p = softmax({ n: 1, c: 7, logits: Float32Array.from(row), labels: new Int32Array([5]) });
  t.same(compareResults(p, focalLossFast(cloneBatch(p)), focalLoss(cloneBatch(p))), []);
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 40 }),
      fc.array(fc.double({ min: -45, max: 0, noNaN: true }), { minLength: 40, maxLength: 40 }),
      fc.integer({ min: 0, max: 39 }),
      fc.integer({ min: 0, max: 39 }),
      (c, rest, a, b) => {
        const logits = Float64Array.from({ length: c }, (_, k) => 40 + rest[k]);
        logits[a % c] = 40;
        logits[b % c] = 40;
        const q = softmax({ n: 1, c, logits, labels: new Int32Array([b % c]), gamma: 0 });
        return Array.from(focalLossFast(q).stats.ptHistogram).join() === Array.from(focalLoss(q).stats.ptHistogram).join();
      },
    ),
    { numRuns: 2000 },
  );
  // Sigmoid: p and 1 - p from the same exp as the JS kernel, for logits around every bin edge.
  const edges = Array.from({ length: 9 }, (_, k) => Math.log((k + 1) / (9 - k)));
  const logits = Float64Array.from(edges.flatMap((z) => [z, z * (1 + 2 ** -52), z * (1 - 2 ** -52), -z]));
  const targets = Float64Array.from(logits, (_, i) => i % 2);
  const s = sigmoid({ n: logits.length, logits, targets });
  t.same(Array.from(focalLossFast(s).stats.ptHistogram), Array.from(focalLoss(s).stats.ptHistogram));
});

t.test('gradientOut and lossesOut: written in place, views at a nonzero offset of a shared buffer', async (t) => {
  for (const mode of ['multilabel', 'multiclass'] as const) {
    const p = buildBatch({
      ...BASE_SPEC,
      mode,
      n: 300,
      c: 41,
      targets: mode === 'multiclass' ? 'labels' : 'soft-f32',
      shared: true,
      ignoreShare: 0.3,
    });
    const r = focalLossFast(p);
    t.equal(r.gradient, p.gradientOut, `${mode}: the result's gradient is gradientOut`);
    t.equal(r.losses, p.lossesOut, `${mode}: the result's losses are lossesOut`);
    t.equal(p.gradientOut!.byteOffset, 24);
    t.ok(p.gradientOut!.buffer instanceof SharedArrayBuffer);
    t.same(compareResults(p, r, focalLoss(cloneBatch(p))), [], mode);
  }
});

t.test('outputs not asked for are not computed; ignored rows keep zero gradient', async (t) => {
  const r = focalLossFast(softmax({ wantGradient: false, wantLosses: false }));
  t.equal(r.gradient, null);
  t.equal(r.losses, null);
  const s = focalLossFast(sigmoid({ wantGradient: false, wantLosses: false }));
  t.equal(s.gradient, null);
  t.equal(s.losses, null);
  const all = focalLossFast(softmax({ labels: new Int32Array([-1, -1]) }));
  t.equal(all.count, 0);
  t.equal(all.loss, 0);
  t.ok(all.gradient!.every((g) => g === 0));
});

t.test('batches the WASM kernels leave to the JS kernel give its result bit for bit', async (t) => {
  const routed: [string, KernelBatch][] = [
    ['multiclass, gamma 3.7 (general pow)', softmax({ gamma: 3.7 })],
    ['multiclass, gamma 7', softmax({ gamma: 7 })],
    ['sigmoid soft labels, gamma 3.7', sigmoid({ targets: new Float64Array([0.3, 0.5, 1]), gamma: 3.7 })],
    ['sigmoid label smoothing, gamma 0.7', sigmoid({ labelSmoothing: 0.1, gamma: 0.7 })],
    ['a class id >= C', softmax({ labels: new Int32Array([0, 3]) })],
    ['empty batch', sigmoid({ n: 0, logits: new Float64Array(0), targets: new Float64Array(0) })],
    ['negative gamma', sigmoid({ gamma: -1 })],
    ['logits of another array type', sigmoid({ logits: new Uint16Array([1, 2, 3]) as unknown as Float64Array })],
    ['targets of another array type', sigmoid({ targets: new Uint16Array([1, 0, 1]) as unknown as Float64Array })],
    ['weights of another array type', softmax({ weights: new Uint16Array([1, 2]) as unknown as Float64Array })],
    ['probabilities of another array type', softmax({ labels: null, probabilities: new Uint16Array(6) as unknown as Float64Array })],
    ['sigmoid weights of another array type', sigmoid({ weights: new Uint16Array([1, 2, 3]) as unknown as Float64Array })],
    ['overflow: normalizer 1e-310 (nonFinite)', softmax({ normalizer: 1e-310 })],
    [
      'overflow: sigmoid sum of two 1.7e308 losses (nonFinite)',
      sigmoid({ n: 2, logits: new Float64Array([-1.7e308, -1.7e308]), targets: new Float64Array([1, 1]), reduction: 'sum', gamma: 0 }),
    ],
    ['a NaN logit', sigmoid({ logits: new Float64Array([0, NaN, 1]) })],
    ['an infinite logit (multiclass)', softmax({ logits: new Float64Array([1, Infinity, 3, 3, 2, 1]) })],
  ];
  for (const [name, p] of routed) {
    const a = focalLossFast(cloneBatch(p));
    const b = focalLoss(cloneBatch(p));
    t.ok(identical(a, b), name);
  }
  t.ok(focalLoss(softmax({ normalizer: 1e-310 })).nonFinite > 0, 'the overflow case is non-finite');
  // No targets at all is not a batch the contract allows: both kernels refuse it the same way.
  t.throws(() => focalLoss(softmax({ labels: null, probabilities: null })), TypeError);
  t.throws(() => focalLossFast(softmax({ labels: null, probabilities: null })), TypeError);
  // Hard sigmoid labels with a general gamma take the log-space route in WASM as in JS: close, not routed.
  t.same(check(sigmoid({ gamma: 3.7 })), []);
});

t.test('the fallback: FOCAL_KERNELS=js, the disable option, no SIMD, a missing or broken .wasm', async (t) => {
  const batches = [
    buildBatch({ ...BASE_SPEC, mode: 'multilabel', n: 50, c: 7, targets: 'soft-f64', gamma: 2.5 }),
    buildBatch({ ...BASE_SPEC, mode: 'multiclass', n: 40, c: 9, targets: 'labels', eps: 0.1 }),
  ];
  const dir = mkdtempSync(path.join(tmpdir(), 'fast-focal-'));
  const broken = path.join(dir, 'focal-kernels.wasm');
  writeFileSync(broken, 'not a wasm module');
  const settings: [string, () => ReturnType<typeof initFastKernels>, RegExp][] = [
    ['disable option', () => initFastKernels({ disable: true }), /disabled/],
    [
      'FOCAL_KERNELS=js',
      () => {
        process.env.FOCAL_KERNELS = 'js';
        try {
          return initFastKernels();
        } finally {
          delete process.env.FOCAL_KERNELS;
        }
      },
      /disabled/,
    ],
    ['no SIMD', () => initFastKernels({ simdProbe: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]) }), /SIMD is not available/],
    ['missing .wasm', () => initFastKernels({ wasmPath: path.join(dir, 'missing.wasm') }), /not found/],
    ['broken .wasm', () => initFastKernels({ wasmPath: broken }), /could not instantiate/],
  ];
  for (const [name, init, reason] of settings) {
    const info = init();
    t.equal(info.wasm, false, `${name}: not in use`);
    t.match(info.reason, reason, `${name}: reason`);
    t.equal(fastKernelInfo().wasm, false);
    t.equal(fastKernelInfo().memoryBytes, 0);
    for (const p of batches)
      t.ok(identical(focalLossFast(cloneBatch(p)), focalLoss(cloneBatch(p))), `${name}: the JS kernel's result, bit for bit`);
  }
  const info = initFastKernels();
  t.equal(info.wasm, true, 'in use again after a plain init');
  for (const p of batches) t.same(check(p), []);
});

t.test('defaultWasmPath: next to the compiled module, else the package dist/', async (t) => {
  const root = path.resolve(import.meta.dirname, '../..');
  const dist = path.join(root, 'dist/kernels/fast-focal.js');
  t.equal(defaultWasmPath(new URL(`file://${dist}`).href), path.join(root, 'dist/kernels/focal-kernels.wasm'));
  t.equal(
    defaultWasmPath(new URL(`file://${path.join(root, 'src/kernels/fast-focal.ts')}`).href),
    path.join(root, 'dist/kernels/focal-kernels.wasm'),
  );
});

t.test('memory: grows with C and the chunk, not with N, and is reused by later calls', async (t) => {
  initFastKernels();
  const big = buildBatch({ ...BASE_SPEC, n: 5 * CHUNK_ELEMENTS + 1 });
  t.same(check(big), []);
  const after = fastKernelInfo().memoryBytes;
  t.ok(after < 1 << 20, `a ${big.n}-element batch needs ${after} bytes of WASM memory`);
  for (let i = 0; i < 30; i++) {
    focalLossFast(buildBatch({ ...BASE_SPEC, mode: 'multilabel', n: 400 + i, c: 13, seed: i }));
    focalLossFast(big);
  }
  t.equal(fastKernelInfo().memoryBytes, after, 'no growth over repeated calls');
  // A wide multiclass batch: one row per chunk, statistics for 50,000 classes.
  const wide = buildBatch({ ...BASE_SPEC, mode: 'multiclass', n: 3, c: 50000, targets: 'labels', scale: 'wide' });
  t.same(check(wide), []);
  t.ok(fastKernelInfo().memoryBytes > after, 'grew for C = 50,000');
});
