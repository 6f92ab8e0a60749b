/**
 * A focal-loss kernel plus the evaluation sums a problem asks for (types.ts EvaluationRequest):
 * calibration, Brier and NLL sums and confusion counts, from the kernel's own pass when it computed
 * them (result.evaluation: the WASM kernels, fast-evaluation.ts), else from one extra pass
 * (evaluation-pass.ts), and each sweep setting's loss sums from the same kernel run again with that gamma and alpha
 * (loss only). Running the very kernel a separate request would run is what makes a sweep entry
 * equal that request's loss. A problem without `evaluation` costs one property check.
 */
import { evaluationSums } from './evaluation-pass.js';
import type { FocalProblem, FocalResult } from './types.js';

export type FocalKernel = (problem: FocalProblem) => FocalResult;

export function withEvaluation(kernel: FocalKernel): FocalKernel {
  return (problem) => evaluatedFocal(problem, kernel);
}

export function evaluatedFocal(problem: FocalProblem, kernel: FocalKernel): FocalResult {
  const evaluation = problem.evaluation;
  if (evaluation === undefined) return kernel(problem);
  const { sweep } = evaluation;
  const sweepLossSum = new Float64Array(sweep.length);
  const sweepClassLossSum = new Float64Array(sweep.length * problem.c);
  let finiteCheck = 0;
  sweep.forEach((setting, s) => {
    const run = kernel({
      ...problem,
      gamma: setting.gamma,
      alpha: setting.alpha,
      wantGradient: false,
      wantLosses: false,
      gradientOut: undefined,
      lossesOut: undefined,
      evaluation: undefined,
    });
    sweepLossSum[s] = run.lossSum;
    sweepClassLossSum.set(run.stats.lossSum, s * problem.c);
    finiteCheck += run.nonFinite;
  });
  // (The fused sums move into stats; the result handed on has no `evaluation` field.)
  const { evaluation: fused, ...result } = kernel(problem);
  const stats = result.stats;
  if (sweep.length > 0) {
    stats.sweepLossSum = sweepLossSum;
    stats.sweepClassLossSum = sweepClassLossSum;
  }
  if (evaluation.calibration || evaluation.confusion) {
    const sums = fused ?? evaluationSums(problem, evaluation.confusion);
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
