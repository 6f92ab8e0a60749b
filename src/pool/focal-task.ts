/**
 * What crosses the worker boundary: a focal-loss batch whose typed arrays are transferred
 * (moved, not copied) to the worker, and a result whose arrays are transferred back.
 */
import type { KernelBatch, FocalResult } from '../kernels/types.js';

/** The ArrayBuffers a batch owns, for the transfer list. */
export function batchBuffers(batch: KernelBatch): ArrayBuffer[] {
  const arrays: (ArrayBufferView | null)[] = [batch.logits, batch.weights, batch.alpha];
  if (batch.mode === 'multiclass') arrays.push(batch.labels, batch.probabilities);
  else arrays.push(batch.targets);
  return ownedBuffers(arrays);
}

/** The ArrayBuffers a result owns, for the transfer list. */
export function resultBuffers(result: FocalResult): ArrayBuffer[] {
  const s = result.stats;
  // (The optional evaluation sums are small: copied, not transferred.)
  return ownedBuffers([result.gradient, result.losses, s.support, s.lossSum, s.posLossSum, s.negLossSum, s.tp, s.fp, s.fn, s.ptHistogram]);
}

/**
 * Only arrays that span their whole buffer may be transferred: transferring a view would
 * detach (and hand over) memory that other data still uses.
 */
export function ownedBuffers(arrays: (ArrayBufferView | null)[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) {
    if (a === null) continue;
    const buffer = a.buffer;
    if (buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === buffer.byteLength) out.add(buffer);
  }
  return [...out];
}
