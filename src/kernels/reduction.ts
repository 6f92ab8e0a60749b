/**
 * The reduction rules in one place: what `mean` divides by, the reduced loss from a sum, and
 * the factor every gradient element is multiplied by. The kernels, the merging of chunked
 * results (tensors/merge-results.ts) and the CLI all use these, so a merged result is reduced
 * exactly as one request over the whole batch would be.
 */
import type { KernelBatch, Reduction } from './types.js';

/** What `mean` divides the loss sum by: the normalizer when given, else the count; 1 otherwise. */
export function lossDenominator(reduction: Reduction, normalizer: number | null, count: number): number {
  return reduction === 'mean' ? (normalizer ?? count) : 1;
}

/**
 * The reduced loss. An empty mean (every multiclass row ignored) is defined as 0 rather
 * than 0 / 0, so the result is always finite.
 */
export function reduceLossSum(reduction: Reduction, lossSum: number, denominator: number): number {
  if (reduction !== 'mean') return lossSum;
  return denominator > 0 ? lossSum / denominator : 0;
}

/**
 * d(loss)/d(sum): every gradient element of the sum is multiplied by this. A multiplication by
 * 1/denominator, as the kernels do, so a gradient of the sum scaled afterwards differs from the
 * one a kernel computing the mean writes by a few ulp at most (the order of the products).
 */
export function gradientScale(reduction: Reduction, denominator: number): number {
  if (reduction !== 'mean') return 1;
  return denominator > 0 ? 1 / denominator : 0;
}

/**
 * What `mean` counts: every element (binary, multilabel), every row not ignored (multiclass
 * class ids, -1 marks an ignored row), every row (multiclass probability rows).
 */
export function countOf(batch: KernelBatch): number {
  if (batch.mode !== 'multiclass') return batch.n * batch.c;
  const labels = batch.labels;
  if (labels === null) return batch.n;
  let count = 0;
  for (let i = 0; i < batch.n; i++) if (labels[i] >= 0) count++;
  return count;
}
