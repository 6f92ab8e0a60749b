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
 *
 * Variants (types.ts), in the same pass:
 * - per-class gamma: class k uses gamma_k (and its own power route) wherever gamma appears;
 * - Poly-1 adds w sum_k y'_k eps o_k^(gamma_k + 1). Its derivative has the same shape as the
 *   focal one: d/dz_j = p_j S - D_j with D_k = y'_k eps (gamma_k + 1) o_k^gamma_k p_k and
 *   S = sum_k D_k, so D_k is added to the class's coefficient (y'_k a_k B_k) and the gradient
 *   formula above is unchanged; o^gamma p is bounded for every gamma >= 0.
 *
 * Speed: exp is inlined (fast-math.ts); the exponentials are written straight into the row's
 * gradient and scaled in place; the sum of the exponentials is taken in two loops around the
 * arg-max instead of testing k against it at every element; rows are processed in chunks by a
 * function that touches only typed arrays and numbers (see sigmoid-focal.ts on why).
 */
import { expNonPositive } from './fast-math.js';
import { modulatingPower, powerKind, type PowerKind } from './power.js';
import { outputArray, positionsOf, type FloatArray, type FocalResult, type RawClassStats, type SoftmaxBatch } from './types.js';
import { CompensatedSum, emptyRawStats, PT_BINS, ptBin } from 'focal-loss-client/merge';
import { nextChunkRows } from './sigmoid-focal.js';
import { countOf, gradientScale, lossDenominator, reduceLossSum } from './reduction.js';

export function softmaxFocal(batch: SoftmaxBatch): FocalResult {
  const { n, c, gamma } = batch;
  const count = countOf(batch);
  // An all-ignored batch has a zero sum; its mean is defined as 0 rather than 0/0 (reduction.ts).
  const denominator = lossDenominator(batch.reduction, batch.normalizer, count);
  const scale = gradientScale(batch.reduction, denominator);

  const gradient = batch.wantGradient ? outputArray(batch.gradientOut, n * c) : null;
  const losses = batch.wantLosses ? outputArray(batch.lossesOut, n) : null;
  const stats = emptyRawStats('multiclass', c);
  // Per-row scratch: exp(z_k - z_max) when no gradient is written, and the weighted B_k of soft rows.
  const ex = new Float64Array(c);
  const coef = new Float64Array(c);
  // Each class's gamma and power route (the same for every class without per-class gamma).
  const gammas = Float64Array.from({ length: c }, (_, k) => (batch.gammas == null ? gamma : batch.gammas[k]));
  const kinds = Int32Array.from(gammas, (g) => powerKind(g, false));
  const sum = new CompensatedSum();
  for (let row = 0, rows = 1; row < n; row += rows, rows = nextChunkRows(rows, c)) {
    const rowEnd = Math.min(n, row + rows);
    sum.add(softmaxRows(batch, gammas, kinds, scale, gradient, losses, stats, ex, coef, row, rowEnd));
  }

  // NaN when a gradient value was not finite (see softmaxRows).
  const lossSum = sum.value();
  const loss = reduceLossSum(batch.reduction, lossSum, denominator);
  let finiteCheck = loss - loss;
  for (let k = 0; k < c; k++) finiteCheck += stats.lossSum[k] - stats.lossSum[k];
  return { loss, lossSum, count, denominator, gradient, losses, stats, nonFinite: finiteCheck === 0 ? 0 : 1 };
}

/**
 * Rows [rowStart, rowEnd): writes their gradient and losses, adds their statistics, and
 * returns their loss sum, or NaN if a gradient value is not finite.
 */
function softmaxRows(
  batch: SoftmaxBatch,
  gammas: Float64Array,
  kinds: Int32Array,
  scale: number,
  gradient: Float64Array | null,
  losses: Float64Array | null,
  stats: RawClassStats,
  ex: Float64Array,
  coef: Float64Array,
  rowStart: number,
  rowEnd: number,
): number {
  const { logits, labels, probabilities, weights, alpha } = batch;
  const { support, lossSum: classLoss, tp, fp, fn, ptHistogram } = stats;
  // Local copies and fixed machine types, outside the loops (see sigmoid-focal.ts).
  const exp = expNonPositive;
  const c = batch.c | 0;
  const polyEps = +(batch.polyEpsilon ?? 0);
  const sc = +scale;
  const eps = +batch.labelSmoothing;
  const smoothOffset = eps / c;
  const smoothScale = 1 - eps;
  const oneHot = labels !== null && eps === 0;
  // The batch's layout (types.ts): row i = (sample, position s) has its classes at stride S from
  // (sample c) S + s, read and written in place (S = 1: the row's c neighbouring values).
  const positions = positionsOf(batch) | 0;
  const cs = positions;
  // The exponentials' stride: the gradient's (the layout's) or the contiguous scratch row's.
  const es = gradient === null ? 1 : cs;
  let block = 0;

  const stop = rowEnd | 0;
  for (let i = rowStart | 0; i < stop; i++) {
    const label = labels === null ? 0 : labels[i];
    if (label < 0) continue; // ignored row: no loss, zero gradient, not counted
    const sample = Math.floor(i / positions);
    const off = (sample * c * positions + (i - sample * positions)) | 0;
    const w = weights === null ? 1 : +weights[sample];

    // Arg-max (lowest index on ties) and the log-sum-exp split around it.
    let kmax = 0;
    let zmax = +logits[off];
    for (let k = 1; k < c; k++) {
      const z = logits[off + k * cs];
      if (z > zmax) {
        zmax = z;
        kmax = k;
      }
    }
    // exp(z_k - z_max), straight into the gradient row when there is one (scaled below).
    const e = gradient === null ? ex : gradient;
    const eo = gradient === null ? 0 : off;
    let s = 0;
    for (let k = 0; k < kmax; k++) {
      const v = exp(logits[off + k * cs] - zmax);
      e[eo + k * es] = v;
      s += v;
    }
    e[eo + kmax * es] = 1;
    for (let k = kmax + 1; k < c; k++) {
      const v = exp(logits[off + k * cs] - zmax);
      e[eo + k * es] = v;
      s += v;
    }
    const logZ = Math.log1p(s); // log sum_k exp(z_k - z_max)
    const invZ = 1 / (1 + s);

    // The row's class for the statistics: its label, or the arg-max of its probability row.
    let cls = label;
    if (labels === null) {
      const pr = probabilities as FloatArray;
      let best = pr[off];
      cls = 0;
      for (let k = 1; k < c; k++) {
        if (pr[off + k * cs] > best) {
          best = pr[off + k * cs];
          cls = k;
        }
      }
    }
    // p_t: the probability of the row's class, read before the gradient loop overwrites e.
    ptHistogram[cls * PT_BINS + ptBin(e[eo + cls * es] * invZ)]++;

    let rowLoss = 0;
    if (oneHot) {
      const t = label;
      const pt = e[eo + t * es] * invZ;
      const ot = t === kmax ? s * invZ : 1 - pt;
      const logpt = logits[off + t * cs] - zmax - logZ;
      const a = alpha === null ? 1 : alpha[t];
      const gamma = gammas[t];
      const k0 = kinds[t] as PowerKind;
      const og = modulatingPower(ot, gamma, k0);
      // Poly-1 term eps o_t^(gamma + 1) (0 without it).
      rowLoss = w * (polyEps * og * ot - a * og * logpt);
      if (gradient !== null) {
        const h = ot > 0 ? -logpt / ot : 1;
        const b = k0 === 0 ? 1 : og * (1 + gamma * pt * h);
        const f = w * (a * b + polyEps * (gamma + 1) * og * pt) * sc;
        const fz = f * invZ;
        for (let k = 0; k < c; k++) gradient[off + k * cs] *= fz;
        const gt = -f * ot;
        gradient[off + t * cs] = gt;
        block += gt - gt + (fz - fz);
      }
    } else {
      // Soft rows: label smoothing or probability targets; every class may contribute.
      let total = 0;
      for (let k = 0; k < c; k++) {
        const yk = labels !== null ? (k === label ? 1 : 0) : (probabilities as FloatArray)[off + k * cs];
        const ys = yk * smoothScale + smoothOffset;
        if (ys === 0) {
          coef[k] = 0;
          continue;
        }
        const pk = e[eo + k * es] * invZ;
        const ok = k === kmax ? s * invZ : 1 - pk;
        const logpk = logits[off + k * cs] - zmax - logZ;
        const a = alpha === null ? 1 : alpha[k];
        const gamma = gammas[k];
        const k0 = kinds[k] as PowerKind;
        const og = modulatingPower(ok, gamma, k0);
        rowLoss += ys * (polyEps * og * ok - a * og * logpk);
        const h = ok > 0 ? -logpk / ok : 1;
        const b = k0 === 0 ? 1 : og * (1 + gamma * pk * h);
        const yab = ys * (a * b + polyEps * (gamma + 1) * og * pk);
        coef[k] = yab;
        total += yab;
      }
      rowLoss *= w;
      if (gradient !== null) {
        const f = w * sc;
        for (let k = 0; k < c; k++) {
          const pk = gradient[off + k * cs] * invZ;
          const ok = k === kmax ? s * invZ : 1 - pk;
          const g = f * (pk * (total - coef[k]) - ok * coef[k]);
          gradient[off + k * cs] = g;
          block += g - g;
        }
      }
    }

    if (losses !== null) losses[i] = rowLoss;
    block += rowLoss;
    support[cls]++;
    classLoss[cls] += rowLoss;
    if (kmax === cls) tp[cls]++;
    else {
      fp[kmax]++;
      fn[cls]++;
    }
  }
  return block;
}
