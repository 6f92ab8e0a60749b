/**
 * The evaluation sums (calibration bins, Brier and NLL sums, confusion counts) in one pass over a
 * batch, separate from the fused loss kernels so they are the same whichever kernel (JS or WASM)
 * computed the loss, and cost nothing when not asked for. Pure: typed arrays in, sums out.
 *
 * Everything here ignores sample weights and label smoothing (the contract's definitions), and is
 * a raw count or sum: parts of a batch give parts that add up to the whole (raw-stats.ts).
 *
 * Numerics (the same stable forms as the kernels, see their headers):
 * - sigmoid: p, and -log p = softplus(-z), -log(1 - p) = softplus(z), from one exp(-|z|) and one
 *   log1p, so nothing overflows at |z| = 1000 and nothing cancels;
 * - softmax: log-sum-exp split at the arg-max, confidence = 1 / (1 + s), and 1 - p of the arg-max
 *   class as s / (1 + s), so a confident row keeps (1 - p)^2 in the Brier score exactly.
 * Sums are plain within chunks of rows and compensated across chunks (compensated-sum.ts).
 */
import { BIN_FIELDS, CALIBRATION_BINS, calibrationBin } from './calibration-bins.js';
import { CompensatedSum } from './compensated-sum.js';
import { expNonPositive, log1pUnit } from './fast-math.js';
import type { FloatArray, FocalProblem, SigmoidProblem, SoftmaxProblem } from './types.js';

/** Rows per chunk whose sums are added plainly before being added with compensation. */
const CHUNK_ROWS = 1024;

export interface EvaluationSums {
  calibration: Float64Array;
  scoreSums: Float64Array;
  confusion: Float64Array | undefined;
}

export function evaluationSums(problem: FocalProblem, confusion: boolean): EvaluationSums {
  return problem.mode === 'multiclass' ? softmaxSums(problem, confusion) : sigmoidSums(problem);
}

/** Binary and multilabel: every element's p = sigmoid(z), binned per column against y >= 0.5. */
function sigmoidSums(problem: SigmoidProblem): EvaluationSums {
  const { n, c, logits, targets } = problem;
  const calibration = new Float64Array(c * CALIBRATION_BINS * BIN_FIELDS);
  const brier = new CompensatedSum();
  const nll = new CompensatedSum();
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const end = Math.min(n, start + CHUNK_ROWS);
    let brierChunk = 0;
    let nllChunk = 0;
    for (let idx = start * c, stop = end * c, col = 0; idx < stop; idx++, col = col + 1 === c ? 0 : col + 1) {
      const z = logits[idx];
      const y = +targets[idx];
      const e = expNonPositive(-Math.abs(z));
      const l = log1pUnit(e);
      const r = 1 / (1 + e);
      const p = z >= 0 ? r : e * r;
      const spPos = (z >= 0 ? z : 0) + l; //  softplus(z)  = -log(1 - p)
      const spNeg = l - (z < 0 ? z : 0); //   softplus(-z) = -log p
      const d = p - y;
      brierChunk += d * d;
      nllChunk += y * spNeg + (1 - y) * spPos;
      const at = (col * CALIBRATION_BINS + calibrationBin(p)) * BIN_FIELDS;
      calibration[at]++;
      calibration[at + 1] += p;
      calibration[at + 2] += y >= 0.5 ? 1 : 0;
    }
    brier.add(brierChunk);
    nll.add(nllChunk);
  }
  return { calibration, scoreSums: Float64Array.of(brier.value(), nll.value()), confusion: undefined };
}

/**
 * Multiclass: per counted row, the confidence (largest softmax probability) binned against whether
 * the prediction (arg-max, lowest index on ties) is the row's class (its label, or the arg-max of
 * its probability row); Brier and NLL against the one-hot or probability row.
 */
function softmaxSums(problem: SoftmaxProblem, withConfusion: boolean): EvaluationSums {
  const { n, c, logits, labels, probabilities } = problem;
  const calibration = new Float64Array(CALIBRATION_BINS * BIN_FIELDS);
  const confusion = withConfusion ? new Float64Array(c * c) : undefined;
  const ex = new Float64Array(c);
  const brier = new CompensatedSum();
  const nll = new CompensatedSum();
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const end = Math.min(n, start + CHUNK_ROWS);
    let brierChunk = 0;
    let nllChunk = 0;
    for (let i = start; i < end; i++) {
      const label = labels === null ? 0 : labels[i];
      if (label < 0) continue; // ignored row
      const off = i * c;
      let kmax = 0;
      let zmax = +logits[off];
      for (let k = 1; k < c; k++) {
        if (logits[off + k] > zmax) {
          zmax = logits[off + k];
          kmax = k;
        }
      }
      let s = 0;
      for (let k = 0; k < c; k++) {
        const v = k === kmax ? 1 : expNonPositive(logits[off + k] - zmax);
        ex[k] = v;
        if (k !== kmax) s += v;
      }
      const invZ = 1 / (1 + s);
      const logZ = Math.log1p(s);
      const cls = labels === null ? argmax(probabilities as FloatArray, off, c) : label;
      // (p_k - y_k)^2 and -y_k log p_k; 1 - p_k of the arg-max class is s / (1 + s).
      let rowBrier = 0;
      let rowNll = 0;
      for (let k = 0; k < c; k++) {
        const y = labels === null ? +(probabilities as FloatArray)[off + k] : k === cls ? 1 : 0;
        const d = k === kmax ? y - 1 + s * invZ : ex[k] * invZ - y;
        rowBrier += d * d;
        if (y !== 0) rowNll -= y * (logits[off + k] - zmax - logZ);
      }
      brierChunk += rowBrier;
      nllChunk += rowNll;
      const at = calibrationBin(invZ) * BIN_FIELDS;
      calibration[at]++;
      calibration[at + 1] += invZ;
      calibration[at + 2] += kmax === cls ? 1 : 0;
      if (confusion !== undefined) confusion[cls * c + kmax]++;
    }
    brier.add(brierChunk);
    nll.add(nllChunk);
  }
  return { calibration, scoreSums: Float64Array.of(brier.value(), nll.value()), confusion };
}

/** The index of the largest of values[off .. off + c) (lowest on ties). */
function argmax(values: FloatArray, off: number, c: number): number {
  let best = values[off];
  let at = 0;
  for (let k = 1; k < c; k++) {
    if (values[off + k] > best) {
      best = values[off + k];
      at = k;
    }
  }
  return at;
}
