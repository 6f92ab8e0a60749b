/**
 * The reduction rules: what `mean` divides by, the reduced loss from a sum and the gradient's
 * factor are the client package's (focal-loss-client/merge), which the kernels, the CLI and the
 * client's chunked evaluate all use, so a merged result is reduced exactly as one request over the
 * whole batch would be. What `mean` counts in a kernel batch is the service's own.
 */
import type { KernelBatch } from './types.js';

export { gradientScale, lossDenominator, reduceLossSum } from 'focal-loss-client/merge';

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
