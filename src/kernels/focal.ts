/**
 * The one entry point to the kernels: dispatches a flat focal-loss problem to the sigmoid
 * (binary, multilabel) or softmax (multiclass) kernel. Pure: typed arrays in, typed arrays out.
 */
import { sigmoidFocal } from './sigmoid-focal.js';
import { softmaxFocal } from './softmax-focal.js';
import type { FocalProblem, FocalResult } from './types.js';

export function focalLoss(problem: FocalProblem): FocalResult {
  return problem.mode === 'multiclass' ? softmaxFocal(problem) : sigmoidFocal(problem);
}

export type * from './types.js';
