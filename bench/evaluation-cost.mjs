// `node bench/evaluation-cost.mjs [binary|multiclass]` after `npm run build`: what the evaluation
// statistics add to a kernel call, measured against dist/. For each case (float32 logits, gamma 2,
// loss + gradient into a reused gradientOut, one thread) it alternates, RUNS times (default 15):
//   kernel             focalLossFast alone
//   kernel+evaluation  evaluatedFocal with calibration (and confusion for multiclass), no sweep:
//                      the WASM kernels compute the sums in their own pass
//   JS pass            evaluationSums alone (the separate pass the JS kernels still pay)
// and prints the minimum and the median of each in ms. Not part of the service or the tests.
import { evaluatedFocal } from '../dist/kernels/evaluated-focal.js';
import { evaluationSums } from '../dist/kernels/evaluation-pass.js';
import { focalLossFast, initFastKernels } from '../dist/kernels/fast-focal.js';

const RUNS = Number(process.env.RUNS ?? 15);
const only = process.argv[2];
const info = initFastKernels();
if (!info.wasm) console.log(`WASM kernels not in use: ${info.reason}`);

let seed = 12345;
const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());

function problem(mode, n, c) {
  const common = {
    n,
    c,
    logits: Float32Array.from({ length: n * c }, () => 3 * normal()),
    weights: null,
    alpha: null,
    gamma: 2,
    labelSmoothing: 0,
    reduction: 'mean',
    normalizer: null,
    wantGradient: true,
    wantLosses: false,
    gradientOut: new Float64Array(n * c),
  };
  if (mode === 'multiclass')
    return { mode, ...common, labels: Int32Array.from({ length: n }, () => Math.floor(uniform() * c)), probabilities: null };
  return { mode, ...common, targets: Float32Array.from({ length: n * c }, () => (uniform() < 0.3 ? 1 : 0)) };
}

const summary = (ms) => {
  ms.sort((a, b) => a - b);
  return `min ${ms[0].toFixed(1)} median ${ms[ms.length >> 1].toFixed(1)}`;
};

for (const [mode, n, c] of [
  ['binary', 8_000_000, 1],
  ['multiclass', 100_000, 80],
]) {
  if (only !== undefined && only !== mode) continue;
  const plain = problem(mode, n, c);
  const asked = { ...plain, evaluation: { calibration: true, confusion: mode === 'multiclass', sweep: [] } };
  const runs = { kernel: [], 'kernel+evaluation': [], 'JS pass': [] };
  const jobs = {
    kernel: () => focalLossFast(plain),
    'kernel+evaluation': () => evaluatedFocal(asked, focalLossFast),
    'JS pass': () => evaluationSums(plain, mode === 'multiclass'),
  };
  for (let r = 0; r < RUNS; r++) {
    for (const [name, job] of Object.entries(jobs)) {
      const t0 = performance.now();
      job();
      runs[name].push(performance.now() - t0);
    }
  }
  console.log(
    `${mode} ${n}x${c}: ${Object.entries(runs)
      .map(([name, ms]) => `${name} ${summary(ms)}`)
      .join(' | ')}`,
  );
}
