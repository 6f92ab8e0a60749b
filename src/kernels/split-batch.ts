/**
 * One batch on several threads: its arrays are put in shared memory once, its rows are cut into
 * contiguous ranges computed independently (each part writes its gradient and losses straight
 * into the shared outputs at its own rows), and the parts' sums and counters are merged exactly.
 *
 * Why the merge equals the unsplit kernel: every part is computed with the batch's own
 * denominator (as its `normalizer` when the reduction is `mean`), so each gradient element is
 * scaled exactly as the unsplit kernel scales it, and the parts' loss sums, counts and raw
 * per-class counters are added before anything is reduced (ratios are derived later from the
 * merged counters, clients/typescript/src/merge/class-stats.ts). The loss sum differs from the unsplit one only by
 * the order of additions (both compensated, about 1e-16 relative); counters are exact.
 */
import { addRawStats, CompensatedSum, emptyRawStats } from 'focal-loss-client/merge';
import { countOf, lossDenominator, reduceLossSum } from './reduction.js';
import { positionsOf, type KernelBatch, type FocalResult } from './types.js';
import { sharedBytes } from '../memory/batch-memory.js';

type Numeric = KernelBatch['logits'] | Uint8Array | Int32Array;

/** `array` in shared memory (other threads see it without a copy of their own): as it is, or a copy. */
function shared<T extends Numeric>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const Ctor = array.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => T;
  const copy = new Ctor(sharedBytes(array.byteLength).buffer, 0, array.length);
  (copy as unknown as { set(a: ArrayLike<number>): void }).set(array as ArrayLike<number>);
  return copy;
}

/** A float64 output of `length` in shared memory, not cleared: each part's kernel clears its own rows (types.ts, outputArray). */
function sharedOutput(length: number): Float64Array {
  return new Float64Array(sharedBytes(8 * length).buffer, 0, length);
}

function sharedOrNull<T extends Numeric>(array: T | null): T | null {
  return array === null ? null : shared(array);
}

/** Rows of a multiclass row's outputs: losses are one per row there, one per element otherwise. */
function lossesPerRow(batch: KernelBatch): number {
  return batch.mode === 'multiclass' ? 1 : batch.c;
}

/**
 * The batch with its inputs in shared memory and shared outputs for the gradient
 * and losses it asks for (gradientOut, lossesOut).
 */
export function shareBatch(batch: KernelBatch): KernelBatch {
  const outputs = {
    gradientOut: batch.wantGradient ? sharedOutput(batch.n * batch.c) : undefined,
    lossesOut: batch.wantLosses ? sharedOutput(batch.n * lossesPerRow(batch)) : undefined,
  };
  const common = { logits: shared(batch.logits), weights: sharedOrNull(batch.weights), alpha: batch.alpha, ...outputs };
  return batch.mode === 'multiclass'
    ? { ...batch, ...common, labels: sharedOrNull(batch.labels), probabilities: sharedOrNull(batch.probabilities) }
    : { ...batch, ...common, targets: shared(batch.targets) };
}

/** Row ranges [start, end) cutting n rows into `parts` contiguous ranges of near-equal size. */
export function rowRanges(n: number, parts: number): [number, number][] {
  const count = Math.max(1, Math.min(parts, n));
  const ranges: [number, number][] = [];
  for (let p = 0; p < count; p++) ranges.push([Math.floor((n * p) / count), Math.floor((n * (p + 1)) / count)]);
  return ranges;
}

/**
 * Row ranges of a batch cut on whole samples (types.ts layout: a sample's S rows are one block
 * [c, S] of the arrays, so only whole samples are contiguous views); S = 1: rowRanges itself.
 */
export function partRanges(batch: KernelBatch, parts: number): [number, number][] {
  const s = positionsOf(batch);
  return rowRanges(batch.n / s, parts).map(([a, b]) => [a * s, b * s]);
}

/**
 * Rows [start, end) of a shared batch as a kernel batch of its own: views into the shared inputs and
 * outputs, and the whole batch's denominator, so its gradient is scaled as the unsplit one. With
 * S positions per sample, start and end must be whole samples (partRanges): rows [start, end) are
 * then the elements [start c, end c) of every array shaped like the logits, and weights (one per
 * sample) [start / S, end / S).
 */
export function batchPart(batch: KernelBatch, start: number, end: number): KernelBatch {
  const { c } = batch;
  const s = positionsOf(batch);
  if (start % s !== 0 || end % s !== 0) throw new RangeError(`rows [${start}, ${end}) do not cut whole samples of ${s} positions`);
  const per = lossesPerRow(batch);
  const denominator = lossDenominator(batch.reduction, batch.normalizer, countOf(batch));
  const common = {
    n: end - start,
    logits: batch.logits.subarray(start * c, end * c),
    weights: batch.weights === null ? null : batch.weights.subarray(start / s, end / s),
    normalizer: batch.reduction === 'mean' ? denominator : batch.normalizer,
    gradientOut: batch.gradientOut?.subarray(start * c, end * c),
    lossesOut: batch.lossesOut?.subarray(start * per, end * per),
  };
  if (batch.mode === 'multiclass') {
    return {
      ...batch,
      ...common,
      labels: batch.labels === null ? null : batch.labels.subarray(start, end),
      probabilities: batch.probabilities === null ? null : batch.probabilities.subarray(start * c, end * c),
    };
  }
  return { ...batch, ...common, targets: batch.targets.subarray(start * c, end * c) };
}

/** What a part sends back: everything but the arrays it wrote into shared memory. */
export type PartResult = Omit<FocalResult, 'gradient' | 'losses'>;

export function partResult(result: FocalResult): PartResult {
  const { gradient: _gradient, losses: _losses, ...rest } = result;
  return rest;
}

/** The parts' results, in any order, merged into the result of the whole shared batch. */
export function mergeParts(batch: KernelBatch, parts: PartResult[]): FocalResult {
  const sum = new CompensatedSum();
  let count = 0;
  let nonFinite = 0;
  const stats = emptyRawStats(batch.mode, batch.c);
  for (const part of parts) {
    sum.add(part.lossSum);
    count += part.count;
    nonFinite += part.nonFinite;
    addRawStats(stats, part.stats);
  }
  const lossSum = sum.value();
  const denominator = lossDenominator(batch.reduction, batch.normalizer, count);
  const loss = reduceLossSum(batch.reduction, lossSum, denominator);
  // A sum of finite part sums can still overflow.
  let finiteCheck = loss - loss;
  for (let k = 0; k < batch.c; k++) finiteCheck += stats.lossSum[k] - stats.lossSum[k];
  return {
    loss,
    lossSum,
    count,
    denominator,
    gradient: batch.wantGradient ? (batch.gradientOut ?? null) : null,
    losses: batch.wantLosses ? (batch.lossesOut ?? null) : null,
    stats,
    nonFinite: nonFinite > 0 || finiteCheck !== 0 ? 1 : 0,
  };
}
