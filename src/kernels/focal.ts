/**
 * The one entry point to the kernels: dispatches a flat focal-loss batch to the sigmoid
 * (binary, multilabel) or softmax (multiclass) kernel. Pure: typed arrays in, typed arrays out.
 */
import { sigmoidFocal } from './sigmoid-focal.js';
import { softmaxFocal } from './softmax-focal.js';
import type { KernelBatch, FocalResult } from './types.js';

export function focalLoss(batch: KernelBatch): FocalResult {
  return batch.mode === 'multiclass' ? softmaxFocal(batch) : sigmoidFocal(batch);
}

export type * from './types.js';
