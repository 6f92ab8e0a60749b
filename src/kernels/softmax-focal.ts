/**
 * Softmax focal loss (multiclass) in one fused pass per row: loss, gradient and per-class
 * statistics together, float64 accumulation, any float input.
 *
 * Per row, with y'_k = y_k (1 - eps) + eps / C, p = softmax(z), o_k = 1 - p_k:
 *   loss   = w sum_k y'_k a_k o_k^gamma (-log p_k)
 *   B_k    = o_k^gamma (1 + gamma p_k h_k),   h_k = -log p_k / o_k   (h_k -> 1 as p_k -> 1)
 *   T      = sum_k y'_k a_k B_k
 *   dloss/dz_j = w [ p_j (T - y'_j a_j B_j) - o_j y'_j a_j B_j ]
 *
 * Why this form is stable:
 * - log-sum-exp is split at the arg-max k*: with s = sum_{k != k*} exp(z_k - z_max),
 *   log p_k* = -log1p(s) and o_k* = s / (1 + s), so a confident prediction keeps full relative
 *   precision in 1 - p instead of rounding it to 0. Every other class has p_k <= 1/2, so
 *   o_k = 1 - p_k cannot cancel.
 * - The textbook gradient has o^(gamma - 1), infinite at o = 0 for gamma < 1. B_k is the same
 *   quantity written as o^gamma times the bounded ratio h_k, so every gamma >= 0 and every
 *   finite logit give a finite result; where o underflows to 0 the limit h = 1 is used.
 * - For one-hot rows (T = y'_t a_t B_t) the gradient reduces exactly to w a_t B_t (p_j - [j=t])
 *   with p_t - 1 taken as -o_t.
 */
import { modulatingPower } from './power.js';
import type { FocalResult, RawClassStats, SoftmaxProblem } from './types.js';
import { CompensatedSum } from './compensated-sum.js';
import { PT_BINS, ptBin } from './pt-histogram.js';

export function softmaxFocal(problem: SoftmaxProblem): FocalResult {
  const { n, c, logits, labels, probabilities, weights, alpha, gamma, labelSmoothing: eps } = problem;
  let count = 0;
  if (labels !== null) {
    for (let i = 0; i < n; i++) if (labels[i] >= 0) count++;
  } else {
    count = n;
  }
  const denominator = problem.reduction === 'mean' ? (problem.normalizer ?? count) : 1;
  // An all-ignored batch has a zero sum; its mean is defined as 0 rather than 0/0.
  const scale = problem.reduction === 'mean' ? (denominator > 0 ? 1 / denominator : 0) : 1;

  const gradient = problem.wantGradient ? new Float64Array(n * c) : null;
  const losses = problem.wantLosses ? new Float64Array(n) : null;
  const stats: RawClassStats = {
    support: new Float64Array(c),
    lossSum: new Float64Array(c),
    posLossSum: null,
    negLossSum: null,
    tp: new Float64Array(c),
    fp: new Float64Array(c),
    fn: new Float64Array(c),
    ptHistogram: new Float64Array(c * PT_BINS),
  };
  // Per-row scratch: exp(z_k - z_max), then the weighted B_k of soft rows.
  const ex = new Float64Array(c);
  const coef = new Float64Array(c);
  const sum = new CompensatedSum();
  const smoothOffset = eps / c;
  const smoothScale = 1 - eps;
  const oneHot = labels !== null && eps === 0;
  let nonFinite = 0;

  for (let i = 0; i < n; i++) {
    const label = labels === null ? 0 : labels[i];
    if (label < 0) continue; // ignored row: no loss, zero gradient, not counted
    const off = i * c;
    const w = weights === null ? 1 : weights[i];

    // Arg-max (lowest index on ties) and the log-sum-exp split around it.
    let kmax = 0;
    let zmax = logits[off];
    for (let k = 1; k < c; k++) {
      const z = logits[off + k];
      if (z > zmax) {
        zmax = z;
        kmax = k;
      }
    }
    let s = 0;
    for (let k = 0; k < c; k++) {
      const v = k === kmax ? 1 : Math.exp(logits[off + k] - zmax);
      ex[k] = v;
      if (k !== kmax) s += v;
    }
    const logZ = Math.log1p(s); // log sum_k exp(z_k - z_max)
    const invZ = 1 / (1 + s);

    // The row's class for the statistics: its label, or the arg-max of its probability row.
    let cls = label;
    if (labels === null) {
      const pr = probabilities as Float64Array;
      let best = pr[off];
      cls = 0;
      for (let k = 1; k < c; k++) {
        if (pr[off + k] > best) {
          best = pr[off + k];
          cls = k;
        }
      }
    }

    let rowLoss = 0;
    if (oneHot) {
      const t = label;
      const pt = ex[t] * invZ;
      const ot = t === kmax ? s * invZ : 1 - pt;
      const logpt = logits[off + t] - zmax - logZ;
      const a = alpha === null ? 1 : alpha[t];
      const og = modulatingPower(ot, gamma);
      rowLoss = -w * a * og * logpt;
      if (gradient !== null) {
        const h = ot > 0 ? -logpt / ot : 1;
        const b = gamma === 0 ? 1 : og * (1 + gamma * pt * h);
        const f = w * a * b * scale;
        for (let k = 0; k < c; k++) {
          const g = k === t ? -f * ot : f * ex[k] * invZ;
          gradient[off + k] = g;
          if (g - g !== 0) nonFinite++;
        }
      }
    } else {
      // Soft rows: label smoothing or probability targets; every class may contribute.
      let total = 0;
      for (let k = 0; k < c; k++) {
        const yk = labels !== null ? (k === label ? 1 : 0) : (probabilities as Float64Array)[off + k];
        const ys = yk * smoothScale + smoothOffset;
        if (ys === 0) {
          coef[k] = 0;
          continue;
        }
        const pk = ex[k] * invZ;
        const ok = k === kmax ? s * invZ : 1 - pk;
        const logpk = logits[off + k] - zmax - logZ;
        const a = alpha === null ? 1 : alpha[k];
        const og = modulatingPower(ok, gamma);
        rowLoss -= ys * a * og * logpk;
        const h = ok > 0 ? -logpk / ok : 1;
        const b = gamma === 0 ? 1 : og * (1 + gamma * pk * h);
        const yab = ys * a * b;
        coef[k] = yab;
        total += yab;
      }
      rowLoss *= w;
      if (gradient !== null) {
        const f = w * scale;
        for (let k = 0; k < c; k++) {
          const pk = ex[k] * invZ;
          const ok = k === kmax ? s * invZ : 1 - pk;
          const g = f * (pk * (total - coef[k]) - ok * coef[k]);
          gradient[off + k] = g;
          if (g - g !== 0) nonFinite++;
        }
      }
    }

    if (losses !== null) losses[i] = rowLoss;
    sum.add(rowLoss);
    stats.support[cls]++;
    stats.ptHistogram[cls * PT_BINS + ptBin(ex[cls] * invZ)]++;
    stats.lossSum[cls] += rowLoss;
    if (kmax === cls) stats.tp[cls]++;
    else {
      stats.fp[kmax]++;
      stats.fn[cls]++;
    }
  }

  const lossSum = sum.value();
  const loss = problem.reduction === 'mean' ? (denominator > 0 ? lossSum / denominator : 0) : lossSum;
  if (loss - loss !== 0) nonFinite++;
  for (let k = 0; k < c; k++) {
    const v = stats.lossSum[k];
    if (v - v !== 0) nonFinite++;
  }
  return { loss, lossSum, count, denominator, gradient, losses, stats, nonFinite };
}
