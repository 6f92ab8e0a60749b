/**
 * Exact merging of results computed over chunks of rows of one batch (the CLI's chunked local
 * and remote evaluation): loss sums, counts and raw per-class counters are added first, and
 * only then reduced (the mean from sum / denominator, ratios from counters) by the same
 * functions a single request uses, so the merged result equals one request over the whole
 * batch up to the rounding of the sums (about 1e-15 relative; the loss sum is compensated).
 */
import { CompensatedSum } from '../kernels/compensated-sum.js';
import { gradientScale, lossDenominator, reduceLossSum } from '../kernels/reduction.js';
import type { Mode, RawClassStats, Reduction } from '../kernels/types.js';
import type { Stats, SweepEntry } from '../schemas/loss-response.js';
import { reportStats } from './class-stats.js';
import { BIN_FIELDS, CALIBRATION_BINS, NLL_SCALE } from '../kernels/calibration-bins.js';
import { PT_BINS } from '../kernels/pt-histogram.js';
import { addRawStats, emptyRawStats } from '../kernels/raw-stats.js';

export { addRawStats, emptyRawStats };

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
  // Calibration as raw sums again, where the report holds all of them: binary and multiclass have one
  // column of bins. (Multilabel's classwise_ece needs each column's bins, which the report pools: a
  // merge of multilabel reports has no calibration.) Brier and NLL come back as mean x count.
  const calibration = stats.calibration;
  if (calibration !== undefined && mode !== 'multilabel') {
    const bins = new Float64Array(CALIBRATION_BINS * BIN_FIELDS);
    let count = 0;
    calibration.bins.forEach((b, i) => {
      const multiclass = mode === 'multiclass';
      const value = (multiclass ? b.confidence_sum : b.probability_sum) ?? 0;
      const hit = (multiclass ? b.correct_sum : b.positive_sum) ?? 0;
      bins.set([b.count, value, hit], i * BIN_FIELDS);
      count += b.count;
    });
    raw.calibration = bins;
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
      stats: reportStats(this.mode, this.raw, this.count, options.n, options.classNames, options.classBalanceBeta),
    };
  }
}
