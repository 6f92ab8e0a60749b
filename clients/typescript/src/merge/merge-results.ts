/**
 * Exact merging of results computed over chunks of rows of one batch (the CLI's chunked local
 * and remote evaluation, the client's chunked evaluate): loss sums, counts and raw per-class counters are added first, and
 * only then reduced (the mean from sum / denominator, ratios from counters) by the same
 * functions a single request uses, so the merged result equals one request over the whole
 * batch up to the rounding of the sums (about 1e-15 relative; the loss sum is compensated).
 */
import { CompensatedSum } from './compensated-sum.js';
import { gradientScale, lossDenominator, reduceLossSum } from './reduction.js';
import type { Mode, RawClassStats, Reduction } from './types.js';
import type { Stats, SweepEntry } from '../api.js';
import { reportStats } from './class-stats.js';
import { BIN_FIELDS, CALIBRATION_BINS, NLL_SCALE } from './calibration-bins.js';
import { PT_BINS } from './pt-histogram.js';
import { addRawStats, emptyRawStats } from './raw-stats.js';

/** What one chunk contributes: computed with reduction `sum` (or `none`), never `mean`. */
export interface PartialResult {
  lossSum: number;
  /** Elements (binary, multilabel) or non-ignored rows (multiclass) counted in the chunk. */
  count: number;
  stats: RawClassStats;
}

export interface MergedResult {
  loss: number;
  lossSum: number;
  count: number;
  denominator: number;
  /** Multiply every element of the merged gradient of the sum by this (1 / denominator for mean). */
  gradientScale: number;
  raw: RawClassStats;
  stats: Stats;
}

/**
 * A /loss response's `stats` (and `sweep`) -> raw counters again (the ratios are dropped and
 * recomputed after merging). The response must have been computed with reduction `sum`: a sweep
 * entry's `loss` is then its loss sum.
 */
export function rawStatsFromReport(mode: Mode, stats: Stats, sweep?: SweepEntry[]): RawClassStats {
  const raw = emptyRawStats(mode, stats.classes.length);
  stats.classes.forEach((s, k) => {
    raw.support[k] = s.support;
    raw.lossSum[k] = s.loss_sum;
    if (raw.posLossSum !== null && raw.negLossSum !== null) {
      raw.posLossSum[k] = s.pos_loss_sum ?? 0;
      raw.negLossSum[k] = s.neg_loss_sum ?? 0;
    }
    raw.tp[k] = s.tp;
    raw.fp[k] = s.fp;
    raw.fn[k] = s.fn;
    raw.ptHistogram.set(s.pt_histogram, k * PT_BINS);
  });
  // Calibration as raw sums again: the report's bins hold [count, value sum, hit sum] of every bin, pooled over the
  // columns (binary and multiclass have one column anyway). Brier and NLL come back as mean x count. Multilabel's
  // classwise_ece needs each column's own bins: a report asked for with "column_calibration" has them as
  // column_bins, and they are the raw bins then; without them a merge has one pooled column, every other
  // calibration number, and no classwise_ece (evaluation-stats.ts calibrationReport).
  const calibration = stats.calibration;
  if (calibration !== undefined) {
    const bins = new Float64Array(CALIBRATION_BINS * BIN_FIELDS);
    const multiclass = mode === 'multiclass';
    let count = 0;
    calibration.bins.forEach((b, i) => {
      const value = (multiclass ? b.confidence_sum : b.probability_sum) ?? 0;
      const hit = (multiclass ? b.correct_sum : b.positive_sum) ?? 0;
      bins.set([b.count, value, hit], i * BIN_FIELDS);
      count += b.count;
    });
    raw.calibration = calibration.column_bins === undefined ? bins : Float64Array.from(calibration.column_bins.flat(2));
    raw.scoreSums = Float64Array.of(calibration.brier * count, calibration.nll * count * NLL_SCALE);
  }
  if (stats.confusion !== undefined) raw.confusion = Float64Array.from(stats.confusion.flat());
  if (sweep !== undefined) {
    raw.sweepLossSum = Float64Array.from(sweep, (entry) => entry.loss);
    raw.sweepClassLossSum = Float64Array.from(sweep.flatMap((entry) => entry.class_loss_sum));
  }
  return raw;
}

export class ResultMerger {
  private readonly lossSum = new CompensatedSum();
  private count = 0;
  private readonly raw: RawClassStats;

  constructor(
    readonly mode: Mode,
    readonly c: number,
  ) {
    this.raw = emptyRawStats(mode, c);
  }

  add(part: PartialResult): void {
    this.lossSum.add(part.lossSum);
    this.count += part.count;
    addRawStats(this.raw, part.stats);
  }

  /** Reduces the merged sums once, as a single request over all `n` rows would. */
  finish(options: {
    reduction: Reduction;
    normalizer: number | null;
    n: number;
    classNames: string[] | null;
    classBalanceBeta?: number;
    /** Multilabel: report each column's own calibration bins too (class-stats.ts ReportOptions). */
    columnBins?: boolean;
  }): MergedResult {
    const lossSum = this.lossSum.value();
    const denominator = lossDenominator(options.reduction, options.normalizer, this.count);
    return {
      loss: reduceLossSum(options.reduction, lossSum, denominator),
      lossSum,
      count: this.count,
      denominator,
      gradientScale: gradientScale(options.reduction, denominator),
      raw: this.raw,
      stats: reportStats(this.mode, this.raw, this.count, options.n, options),
    };
  }
}

/**
 * Whether a merged result is all finite numbers: each chunk's answer was, but their sums can still
 * overflow float64, which a single request over the whole batch would have refused (OVERFLOW_DETAIL).
 */
export function isFiniteMerge(merged: MergedResult, sweep?: SweepEntry[]): boolean {
  return (
    Number.isFinite(merged.loss) &&
    merged.stats.classes.every((s) => Number.isFinite(s.loss_sum)) &&
    (sweep === undefined || sweep.every((e) => Number.isFinite(e.loss)))
  );
}
