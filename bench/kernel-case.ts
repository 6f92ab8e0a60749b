/**
 * One kernel throughput case, run in a child process of its own (so no case's JIT state or
 * memory affects another): `tsx bench/kernel-case.ts MODE N C GAMMA RUNS [IMPL] [OUTPUT]`. Calls
 * the compiled kernel (dist/, what the workers run) on float32 logits and float32 labels, as
 * torch_focal.py does, one thread, loss + gradient + statistics (with the calibration sums, as a
 * request asking for `stats` computes them: evaluated-focal.ts), and prints one JSON line with the
 * median. IMPL is `ts` (default: the JS kernel, focalLoss) or `wasm` (focalLossFast, the WASM SIMD
 * kernels; the line's `impl` says `ts` if it fell back because WASM SIMD is unavailable). OUTPUT is
 * `fresh` (default: every call allocates its gradient, as a worker does today) or `reuse` (one
 * gradientOut array written by every call, as when outputs are preallocated, e.g. shared memory:
 * the time of the kernel and its copies without the page faults of a new 8M-element array).
 * VARIANT (default `focal`): `asymmetric` (gamma_pos 0, gamma_neg 4, clip 0.05: the contract's
 * defaults; binary/multilabel), `poly1` (epsilon 1), `gammas` (per-class gamma: GAMMA, GAMMA + 0.5,
 * GAMMA + 1, ... in turn, so every class has its own). POSITIONS (default 1): S > 1 makes the batch
 * dense, N / S samples of [C, S] walked in place (types.ts), e.g. N = 8 x 256 x 256, S = 256 x 256
 * for a segmentation batch [8, C, 256, 256]; the data are random, so only the layout differs.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { makeBatch, type Mode } from './data.js';
import type { KernelBatch } from '../src/kernels/types.js';

const [mode, n, c, gamma, runs] = [
  process.argv[2] as Mode,
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
  Number(process.argv[6] ?? 5),
];
const impl = process.argv[7] ?? 'ts';
if (impl !== 'ts' && impl !== 'wasm') throw new Error(`unknown implementation ${impl} (ts or wasm)`);
const output = process.argv[8] ?? 'fresh';
if (output !== 'fresh' && output !== 'reuse') throw new Error(`unknown output ${output} (fresh or reuse)`);
const variant = process.argv[9] ?? 'focal';
if (!['focal', 'asymmetric', 'poly1', 'gammas'].includes(variant)) throw new Error(`unknown variant ${variant}`);
const positions = Number(process.argv[10] ?? 1);
if (!(positions >= 1 && n % positions === 0)) throw new Error(`positions ${positions} must divide N = ${n}`);
const dist = (file: string) => pathToFileURL(path.resolve(import.meta.dirname, `../dist/kernels/${file}`)).href;
let kernel: (typeof import('../src/kernels/focal.js'))['focalLoss'];
let used = 'ts';
if (impl === 'wasm') {
  const fast = (await import(dist('fast-focal.js'))) as typeof import('../src/kernels/fast-focal.js');
  kernel = fast.focalLossFast;
  if (fast.initFastKernels().wasm) used = 'wasm';
} else {
  kernel = ((await import(dist('focal.js'))) as typeof import('../src/kernels/focal.js')).focalLoss;
}
const { withEvaluation } = (await import(dist('evaluated-focal.js'))) as typeof import('../src/kernels/evaluated-focal.js');
const focalLoss = withEvaluation(kernel);

const batch = makeBatch(mode, n, c);
const common = {
  n,
  c,
  logits: batch.logits,
  weights: null,
  gamma,
  labelSmoothing: 0,
  reduction: 'mean' as const,
  normalizer: null,
  wantGradient: true,
  wantLosses: false,
  gradientOut: output === 'reuse' ? new Float64Array(n * c) : undefined,
  // What a request with the default outputs (stats included) asks beyond the loss.
  evaluation: { calibration: true, confusion: false, sweep: [] },
  positions,
  ...(variant === 'poly1' ? { polyEpsilon: 1 } : {}),
  ...(variant === 'gammas' ? { gammas: Float64Array.from({ length: c }, (_, k) => gamma + (k % 5) / 2) } : {}),
  ...(variant === 'asymmetric' ? { asymmetric: { gammaPos: new Float64Array(c), gammaNeg: new Float64Array(c).fill(4), clip: 0.05 } } : {}),
};
const kernelBatch: KernelBatch =
  mode === 'multiclass'
    ? { mode, ...common, alpha: null, labels: batch.labels as Int32Array, probabilities: null }
    : { mode, ...common, alpha: new Float64Array(c).fill(0.25), targets: Float32Array.from(batch.labels) };

focalLoss(kernelBatch); // warm-up: optimise, and let the allocator settle
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const result = focalLoss(kernelBatch);
  times.push(performance.now() - t0);
  if (!Number.isFinite(result.loss)) throw new Error('non-finite loss');
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(
  JSON.stringify({
    impl: used,
    output,
    mode,
    variant,
    positions,
    n,
    c,
    gamma,
    elements: n * c,
    median_ms: median,
    melem_per_s: (n * c) / median / 1000,
  }),
);
