/**
 * Raw per-class counters -> the reported statistics (precision, recall, f1, tn, class weights,
 * accuracy, averages, calibration, confusion). Ratios are computed here, after the kernel, so raw
 * counters from several batches can be added first and reported once.
 */
import type { Mode, RawClassStats } from './types.js';
import type { ClassStats, Stats } from '../api.js';
import { PT_BINS } from './pt-histogram.js';
import { averages, calibrationReport, classWeights, confusionRows, DEFAULT_CLASS_BALANCE_BETA, ratio } from './evaluation-stats.js';

/** How a report is written: class names, the beta of class_balanced_alpha, and per-column calibration bins (multilabel). */
export interface ReportOptions {
  classNames?: string[] | null;
  classBalanceBeta?: number;
  columnBins?: boolean;
}

export function reportStats(mode: Mode, raw: RawClassStats, count: number, n: number, options: ReportOptions = {}): Stats {
  const { classNames = null, classBalanceBeta = DEFAULT_CLASS_BALANCE_BETA, columnBins = false } = options;
  const c = raw.support.length;
  const classes: ClassStats[] = new Array(c);
  // Rows (multiclass) or elements of one column (binary, multilabel) each class is counted among.
  const counted = mode === 'multiclass' ? count : n;
  const weights = classWeights(mode, raw.support, count, n, classBalanceBeta);
  let correct = 0;
  for (let k = 0; k < c; k++) {
    const support = raw.support[k];
    const tp = raw.tp[k];
    const fp = raw.fp[k];
    const fn = raw.fn[k];
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
    entry.fp = fp;
    entry.fn = fn;
    entry.tn = counted - tp - fp - fn;
    entry.precision = ratio(tp, tp + fp);
    entry.recall = ratio(tp, tp + fn);
    entry.f1 = ratio(2 * tp, 2 * tp + fp + fn);
    entry.mean_loss = support > 0 ? raw.lossSum[k] / support : null;
    entry.pt_histogram = Array.from(raw.ptHistogram.subarray(k * PT_BINS, (k + 1) * PT_BINS));
    entry.suggested_alpha = weights.suggested[k];
    entry.class_balanced_alpha = weights.classBalanced[k];
    classes[k] = entry;
  }
  const stats = { count, classes } as Stats;
  if (mode === 'multiclass') stats.accuracy = ratio(correct, count);
  stats.averages = averages(classes);
  if (raw.confusion !== undefined) stats.confusion = confusionRows(raw.confusion, c);
  if (raw.calibration !== undefined && raw.scoreSums !== undefined)
    stats.calibration = calibrationReport(mode, raw.calibration, raw.scoreSums, c, columnBins);
  return stats;
}
