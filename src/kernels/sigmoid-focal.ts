/**
 * Sigmoid focal loss (binary and multilabel) in one fused pass: loss, gradient and per-column
 * statistics together, float64 arithmetic, float32 or float64 input read as it is.
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
 *
 * Speed: the loop has no data-dependent branch. Choices by sign are products with an exact
 * 0/1 indicator (k a + (1 - k) b is exactly a or b), max(z, 0) is [z >= 0] z (exact), and
 * exp/log1p are inlined (fast-math.ts). For hard labels (every y' in {0, 1}), m is exactly p or
 * q, so p q / m is exactly q or p (no division) and -log m is the softplus already computed,
 * which makes any gamma one exp (power.ts). Statistics are accumulated in the same pass;
 * fp and fn are derived from the predicted and positive counts afterwards.
 *
 * Variants (types.ts), in the same pass:
 * - per-class gamma: each column has its own gamma and power route (the loop runs per column);
 * - Poly-1 adds w eps m^(gamma + 1), whose derivative w eps (gamma + 1) m^gamma (1 - 2y') p q
 *   (dm/dz = (1 - 2y') p q) is bounded for every gamma >= 0: no m^(gamma - 1) appears;
 * - the asymmetric loss (ASL) is computed by asymmetricElement below (see its comment).
 *
 * The batch is walked in chunks of whole rows (about CHUNK_ELEMENTS elements, which fit in the
 * L1/L2 cache), and within a chunk column by column: a column's alpha and its statistics then
 * live in registers for the whole inner loop instead of being read and written in memory at
 * every element (V8 re-checks every typed-array access, so fewer accesses is most of the speed).
 */
import { expNonPositive, log1pUnit } from './fast-math.js';
import { modulatingPower, powerKind, type PowerKind } from './power.js';
import { outputArray, positionsOf, type AsymmetricTerms, type FocalResult, type SigmoidBatch, type TargetArray } from './types.js';
import { AsymmetricColumn } from './asymmetric.js';
import { CompensatedSum, PT_BINS, ptBin } from 'focal-loss-client/merge';
import { countOf, gradientScale, lossDenominator, reduceLossSum } from './reduction.js';

/**
 * Elements per chunk. Each chunk column's losses are summed plainly and those sums are added
 * with compensation (relative error below 4096 ulp in the worst case and a few ulp in practice,
 * as all losses are >= 0).
 */
export const CHUNK_ELEMENTS = 4096;

/**
 * Rows in the next chunk: chunks start at one row and double up to CHUNK_ELEMENTS elements.
 * V8 allocates a function's type feedback only after its first calls; code optimised from a
 * first call that was one long loop would lack the feedback for the code around the loop and
 * be thrown away at every call.
 */
export function nextChunkRows(rows: number, c: number): number {
  return Math.max(rows, Math.min(rows * 2, Math.floor(CHUNK_ELEMENTS / c)));
}

/** Per-column sums kept by the loop, stored one after another: c values each. */
const SUPPORT = 0;
const PREDICTED = 1;
const TP = 2;
const POS_LOSS = 3;
const NEG_LOSS = 4;
const COLUMN_SUMS = 5;

export function sigmoidFocal(batch: SigmoidBatch): FocalResult {
  const { n, c, targets, gamma, labelSmoothing: eps } = batch;
  const total = n * c;
  const count = countOf(batch);
  const denominator = lossDenominator(batch.reduction, batch.normalizer, count);
  const scale = gradientScale(batch.reduction, denominator);

  const gradient = batch.wantGradient ? outputArray(batch.gradientOut, total) : null;
  const losses = batch.wantLosses ? outputArray(batch.lossesOut, total) : null;
  const columns = new Float64Array(COLUMN_SUMS * c);
  const ptHistogram = new Float64Array(c * PT_BINS);
  const hard = eps === 0 && allHard(targets);
  // One gamma and one power route per column (one for the whole batch without per-class gamma).
  const gammas = batch.gammas ?? null;
  const kinds = Array.from({ length: c }, (_, j) => powerKind(gammas === null ? gamma : gammas[j], hard));
  const asl = batch.asymmetric ?? null;
  const sum = new CompensatedSum();
  for (let row = 0, rows = 1; row < n; row += rows, rows = nextChunkRows(rows, c)) {
    const rowEnd = Math.min(n, row + rows);
    for (let j = 0; j < c; j++) {
      sum.add(
        asl === null
          ? sigmoidColumn(
              batch,
              gammas === null ? gamma : gammas[j],
              kinds[j],
              hard,
              scale,
              gradient,
              losses,
              columns,
              ptHistogram,
              row,
              rowEnd,
              j,
            )
          : sigmoidColumn(batch, 0, 0, hard, scale, gradient, losses, columns, ptHistogram, row, rowEnd, j, asl),
      );
    }
  }
  // NaN when a gradient value was not finite (see sigmoidColumn).
  const lossSum = sum.value();
  const loss = reduceLossSum(batch.reduction, lossSum, denominator);

  return sigmoidResult(columns, c, ptHistogram, { loss, lossSum, count, denominator, gradient, losses });
}

/**
 * A sigmoid kernel's result from its per-column sums (support, predicted, tp, positive and negative
 * loss, c values each, in that order: the JS and WebAssembly kernels keep the same layout): per
 * class loss sums, fp = predicted - tp, fn = support - tp, and nonFinite when the loss or any
 * class sum is not finite.
 */
export function sigmoidResult(
  columns: Float64Array,
  c: number,
  ptHistogram: Float64Array,
  totals: Omit<FocalResult, 'stats' | 'nonFinite'>,
): FocalResult {
  const column = (k: number) => columns.slice(k * c, (k + 1) * c);
  const support = column(SUPPORT);
  const tp = column(TP);
  const posLossSum = column(POS_LOSS);
  const negLossSum = column(NEG_LOSS);
  const lossSumByColumn = new Float64Array(c);
  const fp = new Float64Array(c);
  const fn = new Float64Array(c);
  let finiteCheck = totals.loss - totals.loss;
  for (let k = 0; k < c; k++) {
    lossSumByColumn[k] = posLossSum[k] + negLossSum[k];
    fp[k] = columns[PREDICTED * c + k] - tp[k];
    fn[k] = support[k] - tp[k];
    finiteCheck += lossSumByColumn[k] - lossSumByColumn[k];
  }
  return {
    ...totals,
    stats: { support, lossSum: lossSumByColumn, posLossSum, negLossSum, tp, fp, fn, ptHistogram },
    nonFinite: finiteCheck === 0 ? 0 : 1,
  };
}

/**
 * The fused loop over column j of rows [rowStart, rowEnd). Writes the gradient and losses,
 * adds the column's statistics to `columns`, and returns the loss sum, or NaN if a gradient
 * value is not finite.
 */
function sigmoidColumn(
  batch: SigmoidBatch,
  columnGamma: number,
  kind: PowerKind,
  hard: boolean,
  scale: number,
  gradient: Float64Array | null,
  losses: Float64Array | null,
  columns: Float64Array,
  ptHistogram: Float64Array,
  rowStart: number,
  rowEnd: number,
  j: number,
  asymmetric: AsymmetricTerms | null = null,
): number {
  const { logits, targets, weights, alpha } = batch;
  // Imported functions are read through a module cell at every use; local copies are read once.
  // Likewise numbers and flags are fixed to their machine types here, outside the loop, so that
  // the loop does not re-check what a parameter holds at every element.
  const exp = expNonPositive;
  const log1p = log1pUnit;
  const power = modulatingPower;
  const c = batch.c | 0;
  const col = j | 0;
  const gamma = +columnGamma;
  const k0 = (kind | 0) as PowerKind;
  const polyEps = +(batch.polyEpsilon ?? 0);
  const poly = polyEps !== 0;
  const asl = asymmetric === null ? null : new AsymmetricColumn(asymmetric, col);
  const sc = +scale;
  const hardLabels = hard === true;
  const focusing = k0 !== 0; // POW_ZERO
  const eps = +batch.labelSmoothing;
  const smoothOffset = eps / 2;
  const smoothScale = 1 - eps;
  const alphaPos = alpha === null ? 1 : +alpha[col];
  const alphaNeg = alpha === null ? 1 : 1 - alphaPos;
  let block = 0;
  let support = 0;
  let predicted = 0;
  let tp = 0;
  let posLossSum = 0;
  let negLossSum = 0;

  // Row i's element of column j in the batch's layout (types.ts): (floor(i / S) c + j) S + i mod S,
  // stepped instead of divided: +1 within a sample, and past the other c - 1 class planes at its
  // end (S = 1: +c, row-major). `sample` indexes the weights (one per sample).
  const positions = positionsOf(batch) | 0;
  const planeSkip = (c - 1) * positions;
  let sample = Math.floor(rowStart / positions) | 0;
  let s = (rowStart - sample * positions) | 0;
  let idx = (sample * c + col) * positions + s;
  const stop = rowEnd | 0;
  for (let i = rowStart | 0; i < stop; i++) {
    const z = logits[idx];
    const y = targets[idx];
    const ys = y * smoothScale + smoothOffset;
    const ns = 1 - ys;

    // One exp and one log1p give p, q and both softplus values without cancellation.
    const a = Math.abs(z);
    const e = exp(-a);
    const l = log1p(e);
    const r = 1 / (1 + e);
    const er = e * r;
    const up = +(z >= 0);
    const down = 1 - up;
    const p = up * r + down * er;
    const q = up * er + down * r;
    // max(z, 0) as up * z: exact, and unlike (z + |z|) / 2 it cannot overflow at z = 1.7e308.
    const spPos = up * z + l; //   softplus(z)  = -log q
    const spNeg = l - down * z; // softplus(-z) = -log p
    const ce = ys * spNeg + ns * spPos;
    const m = ys * q + ns * p;
    // With hard labels -log m is the softplus of the target side: log-space power for any gamma.
    const mg = power(m, gamma, k0, ys * spPos + ns * spNeg);
    const at = alpha === null ? 1 : ys * alphaPos + ns * alphaNeg;
    const w = weights === null ? 1 : weights[sample];
    const wa = w * at;
    let loss = wa * mg * ce;
    if (poly) loss += w * polyEps * mg * m;
    if (asl !== null) loss = w * asl.element(p, q, spPos, spNeg, ys, ns, alphaPos, alphaNeg);

    if (asl !== null) {
      if (gradient !== null) {
        const g = w * asl.derivative * sc;
        gradient[idx] = g;
        block += g - g;
      }
    } else if (gradient !== null) {
      // (1 - y') p - y' q equals p - y' but is exact for hard labels (no 1 - p).
      const dce = ns * p - ys * q;
      let dmod = 0;
      if (focusing) {
        // p q / m <= 1; for hard labels m is p or q, so the ratio is exactly the other one.
        const ratio = hardLabels ? ys * p + ns * q : m > 0 ? (p * q) / m : 0;
        dmod = gamma * mg * (1 - 2 * ys) * ratio;
      }
      let g = wa * (dmod * ce + mg * dce) * sc;
      // Poly-1: d/dz of eps m^(gamma + 1), not weighted by alpha.
      if (poly) g += w * polyEps * (gamma + 1) * mg * (1 - 2 * ys) * (p * q) * sc;
      gradient[idx] = g;
      // g - g is 0 for a finite g and NaN otherwise: the sum turns NaN and reports it.
      block += g - g;
    }
    if (losses !== null) losses[idx] = loss;
    block += loss;

    // Statistics use the unsmoothed target; indicators are 0/1 so the products are exact.
    const pos = +(y >= 0.5);
    const posLoss = pos * loss;
    // p_t of the unsmoothed label: p for a positive, q for a negative.
    ptHistogram[col * PT_BINS + ptBin(pos * p + (1 - pos) * q)]++;
    support += pos;
    predicted += up;
    tp += pos * up;
    posLossSum += posLoss;
    negLossSum += loss - posLoss;

    idx++;
    if (++s === positions) {
      s = 0;
      sample++;
      idx += planeSkip;
    }
  }
  columns[SUPPORT * c + col] += support;
  columns[PREDICTED * c + col] += predicted;
  columns[TP * c + col] += tp;
  columns[POS_LOSS * c + col] += posLossSum;
  columns[NEG_LOSS * c + col] += negLossSum;
  return block;
}

/** True when every target is exactly 0 or 1 (integer arrays are checked the same way). */
export function allHard(targets: TargetArray): boolean {
  for (let i = 0; i < targets.length; i++) {
    const y = targets[i];
    if (y !== 0 && y !== 1) return false;
  }
  return true;
}
