/**
 * A focal-loss kernel plus the evaluation sums a batch asks for (types.ts EvaluationRequest):
 * calibration, Brier and NLL sums and confusion counts, from the kernel's own pass when it computed
 * them (result.evaluation: the WASM kernels, fast-evaluation.ts), else from one extra pass
 * (evaluation-pass.ts), and each sweep setting's loss sums from the same kernel run again with that gamma and alpha
 * (loss only). Running the very kernel a separate request would run is what makes a sweep entry
 * equal that request's loss. A batch without `evaluation` costs one property check.
 */
import { evaluationSums } from './evaluation-pass.js';
import type { KernelBatch, FocalResult } from './types.js';

export type FocalKernel = (batch: KernelBatch) => FocalResult;

export function withEvaluation(kernel: FocalKernel): FocalKernel {
  return (batch) => evaluatedFocal(batch, kernel);
}

export function evaluatedFocal(batch: KernelBatch, kernel: FocalKernel): FocalResult {
  const evaluation = batch.evaluation;
  if (evaluation === undefined) return kernel(batch);
  const { sweep } = evaluation;
  const sweepLossSum = new Float64Array(sweep.length);
  const sweepClassLossSum = new Float64Array(sweep.length * batch.c);
  let finiteCheck = 0;
  sweep.forEach((setting, s) => {
    const run = kernel({
      ...batch,
      gamma: setting.gamma,
      alpha: setting.alpha,
      wantGradient: false,
      wantLosses: false,
      gradientOut: undefined,
      lossesOut: undefined,
      evaluation: undefined,
    });
    sweepLossSum[s] = run.lossSum;
    sweepClassLossSum.set(run.stats.lossSum, s * batch.c);
    finiteCheck += run.nonFinite;
  });
  // (The fused sums move into stats; the result handed on has no `evaluation` field.)
  const { evaluation: fused, ...result } = kernel(batch);
  const stats = result.stats;
  if (sweep.length > 0) {
    stats.sweepLossSum = sweepLossSum;
    stats.sweepClassLossSum = sweepClassLossSum;
  }
  if (evaluation.calibration || evaluation.confusion) {
    const sums = fused ?? evaluationSums(batch, evaluation.confusion);
    if (evaluation.calibration) {
      stats.calibration = sums.calibration;
      stats.scoreSums = sums.scoreSums;
      // (Not finite only for a non-finite input, which decoding refuses.)
      finiteCheck += sums.scoreSums[0] - sums.scoreSums[0] + (sums.scoreSums[1] - sums.scoreSums[1]);
    }
    if (sums.confusion !== undefined) stats.confusion = sums.confusion;
  }
  // A setting that overflows would be a 422 as a request of its own; so is the sweep.
  return finiteCheck === 0 ? result : { ...result, nonFinite: 1 };
}
