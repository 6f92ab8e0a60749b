/**
 * A sweep's raw sums (merge/types.ts RawClassStats: one loss sum per setting, and per class) ->
 * the `sweep` entries of an answer. Used by POST /loss, /v2 (`sweep_loss`), the CLI and the client's
 * chunked evaluate after they merged their chunks' sums, so a sweep is reduced the same way wherever it was computed.
 */
import { reduceLossSum } from './reduction.js';
import type { RawClassStats, Reduction } from './types.js';
import type { SweepEntry } from '../api.js';

/** The settings of a sweep, in order: what the request asked for (the service) or its chunks' answers echo (the client). */
export interface SweepSettings {
  settings: Pick<SweepEntry, 'gamma' | 'alpha'>[];
}

/**
 * Each setting's loss: its loss sum reduced exactly as a request with that setting would reduce
 * its own (the same denominator: the count and normalizer do not depend on gamma or alpha).
 */
export function sweepLosses(reduction: Reduction, denominator: number, raw: RawClassStats): number[] {
  const sums = raw.sweepLossSum;
  /* c8 ignore next -- the kernel adds the sums whenever the batch has a sweep */
  if (sums === undefined) throw new Error('a sweep was asked for but not computed');
  return Array.from(sums, (sum) => reduceLossSum(reduction, sum, denominator));
}

export function sweepEntries(sweep: SweepSettings, reduction: Reduction, c: number, denominator: number, raw: RawClassStats): SweepEntry[] {
  const classSums = raw.sweepClassLossSum as Float64Array;
  const losses = sweepLosses(reduction, denominator, raw);
  return sweep.settings.map(({ gamma, alpha }, s) => ({
    gamma,
    alpha,
    loss: losses[s],
    class_loss_sum: Array.from(classSums.subarray(s * c, (s + 1) * c)),
  }));
}
