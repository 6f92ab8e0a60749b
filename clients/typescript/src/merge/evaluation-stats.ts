/**
 * The evaluation statistics derived from merged raw sums (merge/types.ts RawClassStats): class
 * weights (suggested and class-balanced alpha), macro and weighted averages, calibration (ECE,
 * MCE, Brier, NLL) and the confusion matrix. Nothing here sees a row: every ratio is taken once,
 * after the raw sums of all parts of a batch were added.
 */
import { BIN_FIELDS, CALIBRATION_BINS, NLL_SCALE } from './calibration-bins.js';
import type { Mode } from './types.js';
import type { Averages, Calibration } from '../api.js';

/** The default beta of the effective number of samples (Cui et al. 2019). */
export const DEFAULT_CLASS_BALANCE_BETA = 0.999;
/** r(f) = 1 / ln(1.02 + f): the inverse-log-frequency weight of a class with share f. */
export const SUGGESTED_ALPHA_OFFSET = 1.02;

export function ratio(num: number, den: number): number {
  return den > 0 ? num / den : 0;
}

const inverseLogFrequency = (share: number) => 1 / Math.log(SUGGESTED_ALPHA_OFFSET + share);

/**
 * 1 / (1 - beta^n), the inverse effective number of n samples without its (1 - beta) factor, which
 * cancels in every normalised weight below. -expm1(n ln beta) keeps 1 - beta^n exact for beta near 1
 * (beta^n would round near 1 for small n); beta = 0 gives ln 0 = -Infinity and the limit 1.
 */
function inverseEffectiveNumber(n: number, beta: number): number {
  return 1 / -Math.expm1(n * Math.log(beta));
}

/** Per class weights w(support_k) normalised so that sum_k f_k w_k = 1; null where support is 0. */
function normalisedClassWeights(
  support: Float64Array,
  count: number,
  weight: (support: number, share: number) => number,
): (number | null)[] {
  let mean = 0;
  const raw = Array.from(support, (s) => {
    if (s <= 0) return null;
    const w = weight(s, s / count);
    mean += (s / count) * w;
    return w;
  });
  return raw.map((w) => (w === null ? null : w / mean));
}

/** Positive-class weight w(positives) / (w(positives) + w(negatives)); null without both. */
function positiveWeight(positives: number, total: number, weight: (count: number, share: number) => number): number | null {
  const negatives = total - positives;
  if (positives <= 0 || negatives <= 0) return null;
  const wPos = weight(positives, positives / total);
  const wNeg = weight(negatives, negatives / total);
  return wPos / (wPos + wNeg);
}

export interface ClassWeights {
  suggested: (number | null)[];
  classBalanced: (number | null)[];
}

/**
 * suggested_alpha and class_balanced_alpha of every class. `count`: the rows counted (multiclass);
 * `rows`: N, the elements of one column (binary, multilabel).
 */
export function classWeights(mode: Mode, support: Float64Array, count: number, rows: number, beta: number): ClassWeights {
  const suggested = (_: number, share: number) => inverseLogFrequency(share);
  const balanced = (n: number) => inverseEffectiveNumber(n, beta);
  if (mode === 'multiclass') {
    return {
      suggested: normalisedClassWeights(support, count, suggested),
      classBalanced: normalisedClassWeights(support, count, balanced),
    };
  }
  return {
    suggested: Array.from(support, (s) => positiveWeight(s, rows, suggested)),
    classBalanced: Array.from(support, (s) => positiveWeight(s, rows, balanced)),
  };
}

export interface ClassScores {
  support: number;
  fp: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Macro over the classes in the targets or the predictions (support + fp > 0); weighted by support. */
export function averages(classes: ClassScores[]): Averages {
  const keys = ['precision', 'recall', 'f1'] as const;
  const macro = { precision: 0, recall: 0, f1: 0 };
  const weighted = { precision: 0, recall: 0, f1: 0 };
  let present = 0;
  let supportSum = 0;
  for (const k of classes) {
    if (k.support + k.fp > 0) {
      present++;
      for (const key of keys) macro[key] += k[key];
    }
    supportSum += k.support;
    for (const key of keys) weighted[key] += k.support * k[key];
  }
  for (const key of keys) {
    macro[key] = ratio(macro[key], present);
    weighted[key] = ratio(weighted[key], supportSum);
  }
  return { macro, weighted };
}

/** ECE and MCE of CALIBRATION_BINS bins starting at `offset` of `bins`. */
function calibrationErrors(bins: Float64Array, offset: number): { count: number; ece: number; mce: number } {
  let count = 0;
  let gapSum = 0;
  let mce = 0;
  for (let b = 0; b < CALIBRATION_BINS; b++) {
    const at = offset + b * BIN_FIELDS;
    const n = bins[at];
    if (n === 0) continue;
    count += n;
    // count_b / count * |hits/count_b - values/count_b| = |hits - values| / count.
    const gap = Math.abs(bins[at + 2] - bins[at + 1]);
    gapSum += gap;
    mce = Math.max(mce, gap / n);
  }
  return { count, ece: ratio(gapSum, count), mce };
}

/**
 * The calibration report. `bins`: per column (binary/multilabel: c columns, or one pooled over them;
 * multiclass: one) the raw [count, value sum, hit sum] bins; `scoreSums`: [Brier sum, NLL sum x NLL_SCALE] over the same rows or elements.
 * `columnBins`: also report a multilabel batch's bins per column (`column_bins`), the raw sums a merge of reports needs for classwise_ece.
 */
export function calibrationReport(mode: Mode, bins: Float64Array, scoreSums: Float64Array, c: number, columnBins = false): Calibration {
  const columns = bins.length / (CALIBRATION_BINS * BIN_FIELDS);
  const pooled = new Float64Array(CALIBRATION_BINS * BIN_FIELDS);
  for (let j = 0; j < columns; j++) {
    for (let i = 0; i < pooled.length; i++) pooled[i] += bins[j * pooled.length + i];
  }
  const [value, hit] =
    mode === 'multiclass' ? (['confidence_sum', 'correct_sum'] as const) : (['probability_sum', 'positive_sum'] as const);
  const { count, ece, mce } = calibrationErrors(pooled, 0);
  const report: Calibration = {
    bins: Array.from({ length: CALIBRATION_BINS }, (_, b) => ({
      count: pooled[b * BIN_FIELDS],
      [value]: pooled[b * BIN_FIELDS + 1],
      [hit]: pooled[b * BIN_FIELDS + 2],
    })) as Calibration['bins'],
    ece,
    mce,
    brier: ratio(scoreSums[0], count),
    nll: ratio(scoreSums[1], count) / NLL_SCALE,
  };
  // Only from each column's own bins: pooled bins (a merge of /loss reports without column_bins) have no classwise_ece to give.
  if (mode === 'multilabel' && columns === c) {
    let sum = 0;
    for (let j = 0; j < columns; j++) sum += calibrationErrors(bins, j * pooled.length).ece;
    report.classwise_ece = ratio(sum, columns);
    if (columnBins) {
      const width = CALIBRATION_BINS * BIN_FIELDS;
      report.column_bins = Array.from({ length: columns }, (_, j) =>
        Array.from({ length: CALIBRATION_BINS }, (_, b) =>
          Array.from(bins.subarray(j * width + b * BIN_FIELDS, j * width + (b + 1) * BIN_FIELDS)),
        ),
      );
    }
  }
  return report;
}

/** A flat c x c matrix as rows. */
export function confusionRows(confusion: Float64Array, c: number): number[][] {
  return Array.from({ length: c }, (_, t) => Array.from(confusion.subarray(t * c, (t + 1) * c)));
}
