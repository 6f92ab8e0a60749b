/**
 * The raw per-class counters and sums a focal-loss computation keeps (no ratios), so results over
 * parts of one batch merge exactly by adding them. The service's kernels write them; the merge of
 * chunked results (merge-results.ts) adds and reports them.
 */
export type { Mode, Reduction } from '../api.js';

/**
 * Per-class counters and sums, kept raw (no ratios) so that results of several batches
 * can be merged exactly by adding them. Counts are stored as float64 (exact below 2^53).
 */
export interface RawClassStats {
  support: Float64Array;
  lossSum: Float64Array;
  /** Binary/multilabel only: loss of positive (y >= 0.5) and negative elements. */
  posLossSum: Float64Array | null;
  negLossSum: Float64Array | null;
  tp: Float64Array;
  fp: Float64Array;
  fn: Float64Array;
  /**
   * c x PT_BINS counts (class-major) of p_t, the predicted probability of the unsmoothed true
   * label: binary/multilabel p for positives and 1 - p for negatives of each column; multiclass
   * the softmax probability of the row's class, counted under that class.
   */
  ptHistogram: Float64Array;
  /**
   * Evaluation sums, present when the batch asks for them (the service's kernels/evaluated-focal.ts), all raw so
   * they merge by addition like the counters above. They ignore weights and use unsmoothed targets.
   * calibration: per column (binary/multilabel: c columns; multiclass: one), CALIBRATION_BINS bins
   * of [count, value sum, hit sum] (value: p or the row's confidence; hit: positive or correct).
   * Merged from /loss reports (rawStatsFromReport), multilabel has one pooled column instead of c.
   */
  calibration?: Float64Array;
  /**
   * [Brier sum, NLL sum x NLL_SCALE (calibration-bins.ts: so it cannot overflow)] over the elements
   * (binary, multilabel) or counted rows (multiclass).
   */
  scoreSums?: Float64Array;
  /** Multiclass: c x c counts, row = true class, column = prediction. */
  confusion?: Float64Array;
  /** The sweep's loss sums, one per setting, and its per-class loss sums (settings x c). */
  sweepLossSum?: Float64Array;
  sweepClassLossSum?: Float64Array;
}
