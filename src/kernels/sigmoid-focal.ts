/**
 * Sigmoid focal loss (binary and multilabel) in one fused pass: loss, gradient and per-column
 * statistics together, float64 accumulation, any float input.
 *
 * Per element, with y' = y(1 - eps) + eps/2, p = sigmoid(z), q = 1 - p = sigmoid(-z):
 *   ce    = y' softplus(-z) + (1 - y') softplus(z)          (= -y' log p - (1 - y') log q)
 *   m     = 1 - p_t = y' q + (1 - y') p                     (never formed as 1 - p_t)
 *   a_t   = alpha y' + (1 - alpha)(1 - y')                  (1 without alpha)
 *   loss  = w a_t m^gamma ce
 *   dloss/dz = w a_t [ gamma m^gamma (1 - 2y') (p q / m) ce + m^gamma ((1 - y') p - y' q) ]
 *
 * Why this form is finite for every gamma >= 0 and every finite z: the textbook derivative has
 * m^(gamma - 1), which is infinite at m = 0 when gamma < 1. Here it is written as
 * m^gamma * (p q / m), and p q / m <= 1 because m >= min(p, q) >= p q. When m underflows to 0,
 * m^gamma is 0 (gamma > 0) or the term is multiplied by gamma = 0, so the limit 0 is taken.
 * p, q and both softplus values come from one exp(-|z|) and one log1p, so nothing cancels and
 * nothing overflows, even at z = +-1000.
 */
import { modulatingPower } from './power.js';
import type { FocalResult, RawClassStats, SigmoidProblem } from './types.js';
import { CompensatedSum } from './compensated-sum.js';
import { PT_BINS, ptBin } from './pt-histogram.js';

export function sigmoidFocal(problem: SigmoidProblem): FocalResult {
  const { n, c, logits, targets, weights, alpha, gamma, labelSmoothing: eps } = problem;
  const total = n * c;
  const count = total;
  const denominator = problem.reduction === 'mean' ? (problem.normalizer ?? count) : 1;
  const scale = problem.reduction === 'mean' ? 1 / denominator : 1;

  const gradient = problem.wantGradient ? new Float64Array(total) : null;
  const losses = problem.wantLosses ? new Float64Array(total) : null;
  const stats: RawClassStats = {
    support: new Float64Array(c),
    lossSum: new Float64Array(c),
    posLossSum: new Float64Array(c),
    negLossSum: new Float64Array(c),
    tp: new Float64Array(c),
    fp: new Float64Array(c),
    fn: new Float64Array(c),
    ptHistogram: new Float64Array(c * PT_BINS),
  };
  const posLossSum = stats.posLossSum as Float64Array;
  const negLossSum = stats.negLossSum as Float64Array;
  const sum = new CompensatedSum();
  const smoothOffset = eps / 2;
  const smoothScale = 1 - eps;
  let nonFinite = 0;

  for (let i = 0; i < n; i++) {
    const w = weights === null ? 1 : weights[i];
    const rowOffset = i * c;
    for (let j = 0; j < c; j++) {
      const idx = rowOffset + j;
      const z = logits[idx];
      const y = targets[idx];
      const ys = eps === 0 ? y : y * smoothScale + smoothOffset;

      // One exp and one log1p give p, q and both softplus values without cancellation.
      const e = Math.exp(-Math.abs(z));
      const l = Math.log1p(e);
      const r = 1 / (1 + e);
      let p: number, q: number, spPos: number, spNeg: number;
      if (z >= 0) {
        p = r;
        q = e * r;
        spPos = z + l; // softplus(z)  = -log q
        spNeg = l; //     softplus(-z) = -log p
      } else {
        p = e * r;
        q = r;
        spPos = l;
        spNeg = l - z;
      }
      const ce = ys * spNeg + (1 - ys) * spPos;
      const m = ys * q + (1 - ys) * p;
      const mg = modulatingPower(m, gamma);
      const at = alpha === null ? 1 : alpha[j] * ys + (1 - alpha[j]) * (1 - ys);
      const wa = w * at;
      const loss = wa * mg * ce;

      if (gradient !== null) {
        // (1 - y') p - y' q equals p - y' but is exact for hard labels (no 1 - p).
        const dce = (1 - ys) * p - ys * q;
        const dmod = gamma !== 0 && m > 0 ? gamma * mg * (1 - 2 * ys) * ((p * q) / m) : 0;
        const g = wa * (dmod * ce + mg * dce) * scale;
        gradient[idx] = g;
        if (g - g !== 0) nonFinite++;
      }
      if (losses !== null) losses[idx] = loss;
      sum.add(loss);

      stats.lossSum[j] += loss;
      const positive = y >= 0.5;
      const predicted = z >= 0;
      stats.ptHistogram[j * PT_BINS + ptBin(positive ? p : q)]++;
      if (positive) {
        stats.support[j]++;
        posLossSum[j] += loss;
        if (predicted) stats.tp[j]++;
        else stats.fn[j]++;
      } else {
        negLossSum[j] += loss;
        if (predicted) stats.fp[j]++;
      }
    }
  }

  const lossSum = sum.value();
  const loss = problem.reduction === 'mean' ? lossSum / denominator : lossSum;
  if (loss - loss !== 0) nonFinite++;
  for (let j = 0; j < c; j++) {
    const v = stats.lossSum[j];
    if (v - v !== 0) nonFinite++;
  }
  return { loss, lossSum, count, denominator, gradient, losses, stats, nonFinite };
}
