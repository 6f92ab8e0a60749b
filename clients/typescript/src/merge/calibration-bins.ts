/**
 * The calibration bins of the evaluation statistics: CALIBRATION_BINS equal-width bins over
 * [0, 1], each holding [count, value sum, hit sum] (merge/types.ts RawClassStats.calibration).
 * Raw sums, so bins of several parts of a batch add up to the bins of the whole.
 */

/** Bins over [0, 1]; the reference contract fixes 15. */
export const CALIBRATION_BINS = 15;

/** Numbers per bin: count, value sum, hit sum. */
export const BIN_FIELDS = 3;

/** The bin of v in [0, 1]: min(floor(v * 15), 14), so v = 1 falls in the last bin. */
export function calibrationBin(v: number): number {
  const b = Math.floor(v * CALIBRATION_BINS);
  return b >= CALIBRATION_BINS ? CALIBRATION_BINS - 1 : b;
}

/**
 * The NLL sum is kept multiplied by this (RawClassStats.scoreSums[1]): an element's NLL is up to
 * 1.8e308 (a logit of 1.7e308 on the wrong side), so the plain sum of two of them overflows while
 * their mean, the reported nll, does not. Scaled by 2^-64 (exact: a power of two) a sum of up to
 * 2^53 of them stays finite; the reported mean is unscaled after dividing by the count.
 */
export const NLL_SCALE = 2 ** -64;
