/**
 * One kernel throughput case, run in a child process of its own (so no case's JIT state or
 * memory affects another): `tsx bench/kernel-case.ts MODE N C GAMMA RUNS`. Calls the compiled
 * kernel (dist/, what the workers run) on float32 logits and float32 labels, as torch_focal.py
 * does, one thread, loss + gradient + statistics, and prints one JSON line with the median.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { makeBatch, type Mode } from './data.js';
import type { FocalProblem } from '../src/kernels/types.js';

const [mode, n, c, gamma, runs] = [process.argv[2] as Mode, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6] ?? 5)];
const dist = pathToFileURL(path.resolve(import.meta.dirname, '../dist/kernels/focal.js')).href;
const { focalLoss } = (await import(dist)) as typeof import('../src/kernels/focal.js');

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
};
const problem: FocalProblem =
  mode === 'multiclass'
    ? { mode, ...common, alpha: null, labels: batch.labels as Int32Array, probabilities: null }
    : { mode, ...common, alpha: new Float64Array(c).fill(0.25), targets: Float32Array.from(batch.labels) };

focalLoss(problem); // warm-up: optimise, and let the allocator settle
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const result = focalLoss(problem);
  times.push(performance.now() - t0);
  if (!Number.isFinite(result.loss)) throw new Error('non-finite loss');
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(JSON.stringify({ impl: 'ts', mode, n, c, gamma, elements: n * c, median_ms: median, melem_per_s: (n * c) / median / 1000 }));
