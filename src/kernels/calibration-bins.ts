/**
 * The calibration bins of the evaluation statistics: CALIBRATION_BINS equal-width bins over
 * [0, 1], each holding [count, value sum, hit sum] (kernels/types.ts RawClassStats.calibration).
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
