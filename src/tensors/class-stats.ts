/**
 * Raw per-class counters -> the reported statistics (precision, recall, suggested alpha,
 * accuracy). Ratios are computed here, after the kernel, so raw counters from several batches
 * can be added first and reported once.
 */
import type { Mode, RawClassStats } from '../kernels/types.js';
import type { ClassStats, Stats } from '../schemas/loss-response.js';
import { PT_BINS } from '../kernels/pt-histogram.js';

/** Multiclass suggested alpha: 1 / ln(1.02 + support / count), an inverse-log-frequency weight. */
export const SUGGESTED_ALPHA_OFFSET = 1.02;

function ratio(num: number, den: number): number {
  return den > 0 ? num / den : 0;
}

export function reportStats(mode: Mode, raw: RawClassStats, count: number, n: number, classNames: string[] | null): Stats {
  const c = raw.support.length;
  const classes: ClassStats[] = new Array(c);
  let correct = 0;
  for (let k = 0; k < c; k++) {
    const support = raw.support[k];
    const tp = raw.tp[k];
    correct += tp;
    // Keys in the documented order: class, name, support, sums, counts, ratios.
    const entry = { class: k } as ClassStats;
    if (classNames !== null) entry.name = classNames[k];
    entry.support = support;
    entry.loss_sum = raw.lossSum[k];
    if (raw.posLossSum !== null && raw.negLossSum !== null) {
      entry.pos_loss_sum = raw.posLossSum[k];
      entry.neg_loss_sum = raw.negLossSum[k];
    }
    entry.tp = tp;
    entry.fp = raw.fp[k];
    entry.fn = raw.fn[k];
    entry.precision = ratio(tp, tp + raw.fp[k]);
    entry.recall = ratio(tp, tp + raw.fn[k]);
    entry.pt_histogram = Array.from(raw.ptHistogram.subarray(k * PT_BINS, (k + 1) * PT_BINS));
    entry.suggested_alpha =
      mode === 'multiclass'
        ? 1 / Math.log(SUGGESTED_ALPHA_OFFSET + ratio(support, count))
        : // the "balanced" weight for positives: the share of negatives in this label column
          (n - support) / n;
    classes[k] = entry;
  }
  const stats: Stats = { count, classes };
  if (mode === 'multiclass') stats.accuracy = ratio(correct, count);
  return stats;
}
