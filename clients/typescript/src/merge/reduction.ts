/**
 * The reduction rules in one place: what `mean` divides by, the reduced loss from a sum, and
 * the factor every gradient element is multiplied by. The service's kernels, the merging of
 * chunked results (merge-results.ts), the CLI and the client's chunked evaluate all use these, so
 * a merged result is reduced exactly as one request over the whole batch would be.
 */
import type { Meta } from '../api.js';
import type { Reduction } from './types.js';

/** What a non-finite result means and what to do about it, in every answer that reports one (service, CLI, client). */
export const OVERFLOW_DETAIL =
  'the loss or its gradient overflows float64 for these inputs; scale down the logits, weights or 1/normalizer';

/** What `mean` divides the loss sum by: the normalizer when given, else the count; 1 otherwise. */
export function lossDenominator(reduction: Reduction, normalizer: number | null, count: number): number {
  return reduction === 'mean' ? (normalizer ?? count) : 1;
}

/** Where the denominator comes from, as `meta.denominator_source` reports it. */
export function denominatorSource(reduction: Reduction, normalizer: number | null): Meta['denominator_source'] {
  return reduction !== 'mean' ? 'none' : normalizer !== null ? 'normalizer' : 'count';
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
