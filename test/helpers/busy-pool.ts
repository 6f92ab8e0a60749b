/**
 * Occupies a worker pool with computations submitted directly (no HTTP, no JSON to parse), each
 * big enough to keep a worker busy for a good fraction of a second, so tests can look at the
 * service while every worker is busy.
 */
import type { FocalPool } from '../../src/pool/focal-pool.js';
import type { KernelBatch } from '../../src/kernels/types.js';
import { toKernelBatch } from './batches.js';

function bigBatch(n: number): KernelBatch {
  const logits = new Float64Array(n);
  const targets = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    logits[i] = ((i % 200) - 100) / 10;
    targets[i] = i % 2;
  }
  const shape = toKernelBatch({
    mode: 'binary',
    n: 1,
    c: 1,
    logits: [0],
    targets: [1],
    classIds: false,
    weights: null,
    alpha: null,
    gamma: 1.5,
    eps: 0,
    reduction: 'mean',
  });
  return { ...shape, mode: 'binary', n, logits, targets } as KernelBatch;
}

export function occupyPool(app: { focalPool: FocalPool }, tasks: number, n = 2_000_000): Promise<unknown>[] {
  return Array.from({ length: tasks }, () => app.focalPool.run(bigBatch(n)));
}
