/**
 * The evaluation sums (calibration bins, Brier and NLL sums, confusion counts) in one pass over a
 * batch, separate from the fused loss kernels so they are the same whichever kernel (JS or WASM)
 * computed the loss, and cost nothing when not asked for. Pure: typed arrays in, sums out.
 *
 * The WASM kernels compute the same sums in their own pass (assembly/focal-kernels.ts, driven by
 * fast-evaluation.ts) with these very formulas; this pass is the reference they are tested
 * against (test/kernels/fused-evaluation.test.ts) and the fallback for every other kernel.
 *
 * Everything here ignores sample weights and label smoothing (the contract's definitions), and is
 * a raw count or sum: parts of a batch give parts that add up to the whole (focal-loss-client/merge raw-stats.ts).
 *
 * Numerics (the same stable forms as the kernels, see their headers):
 * - sigmoid: p, and -log p = softplus(-z), -log(1 - p) = softplus(z), from one exp(-|z|) and one
 *   log1p, so nothing overflows at |z| = 1000 and nothing cancels;
 * - softmax: log-sum-exp split at the arg-max, confidence = 1 / (1 + s), and 1 - p of the arg-max
 *   class as s / (1 + s), so a confident row keeps (1 - p)^2 in the Brier score exactly.
 * Sums are plain within a chunk of rows and compensated across chunks (CompensatedSum, focal-loss-client/merge).
 *
 * Speed: as in the kernels, rows are walked in chunks (nextChunkRows: starting at one row and
 * doubling) by functions that touch only typed arrays and numbers, so V8 optimises them from
 * calls with full type feedback rather than from one long first loop.
 */
import { BIN_FIELDS, CALIBRATION_BINS, calibrationBin, CompensatedSum, NLL_SCALE } from 'focal-loss-client/merge';
import { expNonPositive, log1pUnit } from './fast-math.js';
import { nextChunkRows } from './sigmoid-focal.js';
import { positionsOf, type EvaluationSums, type FloatArray, type KernelBatch, type SoftmaxBatch, type TargetArray } from './types.js';

export type { EvaluationSums };

/** A chunk's [Brier sum, NLL sum] go into `chunkScores`; the caller adds them with compensation. */
type ChunkPass = (start: number, end: number, chunkScores: Float64Array) => void;

export function evaluationSums(batch: KernelBatch, confusion: boolean): EvaluationSums {
  const { n, c } = batch;
  const calibration = new Float64Array((batch.mode === 'multiclass' ? 1 : c) * CALIBRATION_BINS * BIN_FIELDS);
  const matrix = confusion && batch.mode === 'multiclass' ? new Float64Array(c * c) : undefined;
  const pass: ChunkPass =
    batch.mode === 'multiclass'
      ? (start, end, scores) => softmaxChunk(batch, calibration, matrix ?? null, new Float64Array(c), start, end, scores)
      : (start, end, scores) => sigmoidChunk(batch.logits, batch.targets, c, positionsOf(batch), calibration, start, end, scores);
  const brier = new CompensatedSum();
  const nll = new CompensatedSum();
  const chunkScores = new Float64Array(2);
  for (let row = 0, rows = 1; row < n; row += rows, rows = nextChunkRows(rows, c)) {
    chunkScores.fill(0);
    pass(row, Math.min(n, row + rows), chunkScores);
    brier.add(chunkScores[0]);
    nll.add(chunkScores[1]);
    // (Each chunk's NLL terms were scaled by NLL_SCALE as they were added.)
  }
  return { calibration, scoreSums: Float64Array.of(brier.value(), nll.value()), confusion: matrix };
}

/**
 * Binary and multilabel: the elements [start c, end c) of the flat arrays (as many as rows
 * [start, end) have; these sums ignore weights, so which rows they are does not matter), every
 * element's p = sigmoid(z) binned per column against y >= 0.5. In the batch's layout (types.ts)
 * element idx is in column floor(idx / S) mod c (S = 1: idx mod c).
 */
function sigmoidChunk(
  logits: FloatArray,
  targets: TargetArray,
  columns: number,
  positions: number,
  calibration: Float64Array,
  start: number,
  end: number,
  scores: Float64Array,
): void {
  // Local copies: imported functions and constants are read through a module cell at every use.
  const exp = expNonPositive;
  const log1p = log1pUnit;
  const bin = calibrationBin;
  const bins = CALIBRATION_BINS | 0;
  const fields = BIN_FIELDS | 0;
  const c = columns | 0;
  const nllScale = +NLL_SCALE;
  let brier = 0;
  let nll = 0;
  const stop = (end * c) | 0;
  const first = (start * c) | 0;
  const ps = positions | 0;
  let pos = first % ps;
  let col = Math.floor(first / ps) % c;
  for (let idx = first; idx < stop; idx++) {
    const z = logits[idx];
    const y = +targets[idx];
    const e = exp(-Math.abs(z));
    const l = log1p(e);
    const r = 1 / (1 + e);
    const up = +(z >= 0);
    const p = up * r + (1 - up) * e * r;
    // max(z, 0) as up * z: exact (see sigmoid-focal.ts); softplus(z) = -log(1 - p), softplus(-z) = -log p.
    const spPos = up * z + l;
    const spNeg = l - (1 - up) * z;
    const d = p - y;
    brier += d * d;
    nll += (y * spNeg + (1 - y) * spPos) * nllScale;
    const at = (col * bins + bin(p)) * fields;
    calibration[at]++;
    calibration[at + 1] += p;
    calibration[at + 2] += +(y >= 0.5);
    if (++pos === ps) {
      pos = 0;
      col = col + 1 === c ? 0 : col + 1;
    }
  }
  scores[0] += brier;
  scores[1] += nll;
}

/**
 * Multiclass rows [start, end): per counted row, the confidence (largest softmax probability)
 * binned against whether the prediction (arg-max, lowest index on ties) is the row's class (its
 * label, or the arg-max of its probability row); Brier and NLL against the one-hot or probability
 * row; the confusion count of (class, prediction).
 */
function softmaxChunk(
  batch: SoftmaxBatch,
  calibration: Float64Array,
  confusion: Float64Array | null,
  ex: Float64Array,
  start: number,
  end: number,
  scores: Float64Array,
): void {
  const { logits, labels, probabilities } = batch;
  const exp = expNonPositive;
  const bin = calibrationBin;
  const fields = BIN_FIELDS | 0;
  const nllScale = +NLL_SCALE;
  const c = batch.c | 0;
  // Row i's classes at stride S in the batch's layout (types.ts; S = 1: row-major).
  const positions = positionsOf(batch) | 0;
  const cs = positions;
  let brier = 0;
  let nll = 0;
  const stop = end | 0;
  for (let i = start | 0; i < stop; i++) {
    const label = labels === null ? 0 : labels[i];
    if (label < 0) continue; // ignored row
    const sample = Math.floor(i / positions);
    const off = (sample * c * positions + (i - sample * positions)) | 0;
    let kmax = 0;
    let zmax = +logits[off];
    for (let k = 1; k < c; k++) {
      const z = logits[off + k * cs];
      if (z > zmax) {
        zmax = z;
        kmax = k;
      }
    }
    let s = 0;
    for (let k = 0; k < c; k++) {
      const v = k === kmax ? 0 : exp(logits[off + k * cs] - zmax);
      ex[k] = v;
      s += v;
    }
    const invZ = 1 / (1 + s);
    const logZ = Math.log1p(s);
    const cls = labels === null ? argmax(probabilities as FloatArray, off, c, cs) : label;
    // (p_k - y_k)^2 and -y_k log p_k; 1 - p of the arg-max class is s / (1 + s).
    for (let k = 0; k < c; k++) {
      const y = labels === null ? +(probabilities as FloatArray)[off + k * cs] : +(k === cls);
      const d = k === kmax ? 1 - y - s * invZ : ex[k] * invZ - y;
      brier += d * d;
      if (y !== 0) nll -= y * (logits[off + k * cs] - zmax - logZ) * nllScale;
    }
    const at = bin(invZ) * fields;
    calibration[at]++;
    calibration[at + 1] += invZ;
    calibration[at + 2] += +(kmax === cls);
    if (confusion !== null) confusion[cls * c + kmax]++;
  }
  scores[0] += brier;
  scores[1] += nll;
}

/** The index of the largest of values[off + k stride], k < c (lowest on ties). */
function argmax(values: FloatArray, off: number, c: number, stride: number): number {
  let best = values[off];
  let at = 0;
  for (let k = 1; k < c; k++) {
    if (values[off + k * stride] > best) {
      best = values[off + k * stride];
      at = k;
    }
  }
  return at;
}
