/**
 * Shapes shared by the focal-loss kernels: the flat, typed batch a kernel reads and the
 * raw result it writes. No Fastify, no pool, no I/O: these cross the worker boundary as-is.
 */
import type { Mode, RawClassStats, Reduction } from 'focal-loss-client/merge';

// The modes, reductions and raw counters are the client package's (its merge adds what the kernels write).
export type { Mode, RawClassStats, Reduction };

/** Float arrays a kernel can read directly (float32 input is read without widening it first). */
export type FloatArray = Float64Array | Float32Array;

/**
 * Sigmoid targets as decoded: floats, or integer labels (0/1) from an encoded uint8/int32
 * tensor, read as they are instead of being widened into a new float array.
 */
export type TargetArray = FloatArray | Uint8Array | Int32Array;

/**
 * What every kernel batch has: n rows of c logits and the loss settings.
 *
 * Layout: the rows are `positions` (S) spatial positions of n / S samples, stored as the request
 * sent them, [n / S, c, S] with the class axis at 1 (a dense batch [N, C, d1..dk], S = d1 x ... x
 * dk, is walked in place: no [N*S, C] copy is ever made). Row r = i S + s reads its class k at
 * (i c + k) S + s, i.e. classes at stride S; with S = 1 (every ordinary batch) that is r c + k,
 * plain row-major. Per-row arrays (class ids, multiclass losses) are in row order r; arrays shaped
 * like the logits (probabilities, sigmoid targets, gradient, sigmoid losses) use the same layout.
 */
interface BatchBase {
  n: number;
  c: number;
  /** Positions per sample (S >= 1, n a multiple of it); absent: 1, an ordinary [n, c] batch. */
  positions?: number;
  /** n*c logits in the layout above ([n, c] row-major when S = 1). */
  logits: FloatArray;
  /** Per-sample weights (length n / S: row r uses weights[floor(r / S)]) or null for 1. */
  weights: FloatArray | null;
  /**
   * Length c, or null for no weighting. binary/multilabel: the positive-class weight of each
   * column (1 - alpha weights negatives). multiclass: the weight of each class.
   */
  alpha: FloatArray | null;
  gamma: number;
  /**
   * Per-class gamma (length c), replacing `gamma` column by column (binary/multilabel) or class by
   * class (multiclass); absent or null: `gamma` everywhere.
   */
  gammas?: FloatArray | null;
  /** Poly-1: the coefficient of the added (1 - p_t)^(gamma + 1) term; absent or 0: plain focal. */
  polyEpsilon?: number;
  /** Asymmetric loss (binary/multilabel only); when set, `gamma`, `gammas` and `polyEpsilon` are not used. */
  asymmetric?: AsymmetricTerms | null;
  labelSmoothing: number;
  reduction: Reduction;
  normalizer: number | null;
  wantGradient: boolean;
  wantLosses: boolean;
  /**
   * Where to write the gradient (n*c) and the losses (n*c, or n for multiclass) instead of
   * allocating them: views into one shared output when a batch is split across workers. Of
   * exactly that length; used only when the matching want* flag is set. The kernel zero-fills
   * them first (outputArray), so each part of a split batch clears only its own rows, in
   * parallel, instead of one thread clearing the whole output (18 ms for 8M elements here).
   */
  gradientOut?: Float64Array;
  lossesOut?: Float64Array;
  /** Evaluation sums to add beyond the fused pass (kernels/evaluated-focal.ts); none when absent. */
  evaluation?: EvaluationRequest;
}

/** One gamma / alpha setting of a sweep (alpha as the batch's own: length c, or null). */
export interface SweepSetting {
  gamma: number;
  alpha: FloatArray | null;
}

/** What a batch asks for beyond the loss, gradient and per-class counters. */
export interface EvaluationRequest {
  /** Calibration bins and the Brier and NLL sums (asked for with the stats). */
  calibration: boolean;
  /** The c x c confusion counts (multiclass). */
  confusion: boolean;
  /** Loss sums of the same batch at other settings, in this order. */
  sweep: SweepSetting[];
}

/**
 * The asymmetric loss (ASL, Ridnik et al. 2021) of a sigmoid batch: focusing exponents for the
 * positive and the negative part of every column (length c each) and the probability margin
 * `clip` in [0, 1) shifted off the negatives' p. Alpha, when set, weights the positive part
 * (1 - alpha the negative part) as in focal loss.
 */
export interface AsymmetricTerms {
  gammaPos: FloatArray;
  gammaNeg: FloatArray;
  clip: number;
}

/**
 * Binary and multilabel batches: `n` rows of `c` independent sigmoid elements (binary is c = 1).
 * `targets` holds n*c soft labels in [0, 1], row-major like `logits`.
 */
export interface SigmoidBatch extends BatchBase {
  mode: 'binary' | 'multilabel';
  targets: TargetArray;
}

/**
 * Multiclass (softmax) batches: `n` rows of `c` logits. Targets are either class ids
 * (Int32Array of length n, -1 marks an ignored row) or probability rows (length n*c).
 */
export interface SoftmaxBatch extends BatchBase {
  mode: 'multiclass';
  labels: Int32Array | null;
  probabilities: FloatArray | null;
}

export type KernelBatch = SigmoidBatch | SoftmaxBatch;

/** S, the positions per sample of a batch's layout (1 for an ordinary batch). */
export function positionsOf(batch: { positions?: number }): number {
  return batch.positions ?? 1;
}

/**
 * The flat index of row r's class k in the layout above: (floor(r / S) c + k) S + r mod S.
 * (The kernels step through it incrementally; this is the definition, for the slower paths.)
 */
export function elementIndex(r: number, k: number, c: number, s: number): number {
  const sample = Math.floor(r / s);
  return (sample * c + k) * s + (r - sample * s);
}

/**
 * The evaluation sums of a batch (kernels/evaluation-pass.ts computes them in JS; the WASM kernels
 * fuse them into their pass): raw, so parts of a batch add up to the whole (see RawClassStats).
 */
export interface EvaluationSums {
  /** Per column (binary/multilabel) or one set (multiclass): CALIBRATION_BINS x [count, value sum, hit sum]. */
  calibration: Float64Array;
  /** [Brier sum, NLL sum x NLL_SCALE]. */
  scoreSums: Float64Array;
  /** Multiclass with confusion asked for: c x c counts; otherwise undefined. */
  confusion: Float64Array | undefined;
}

export interface FocalResult {
  /** The reduced loss: sum / denominator for mean, the sum otherwise. */
  loss: number;
  /** Sum of every element (row) loss, weights included. */
  lossSum: number;
  /** Elements (binary, multilabel) or non-ignored rows (multiclass) counted. */
  count: number;
  /** What the mean divided by (normalizer or count); 1 for sum and none. */
  denominator: number;
  /** d(loss)/d(logits), n*c row-major (n for binary), or null when not asked for. */
  gradient: Float64Array | null;
  /** Per-element (binary, multilabel) or per-row (multiclass) losses, or null. */
  losses: Float64Array | null;
  stats: RawClassStats;
  /** 0 when every value produced is finite; > 0 when any overflowed (how many is not counted). */
  nonFinite: number;
  /**
   * The evaluation sums, when the problem asked for them (calibration or confusion) and the kernel
   * computed them in its own pass (the WASM kernels); absent otherwise, and then evaluated-focal.ts
   * computes them in a separate pass. evaluated-focal.ts moves them into `stats`.
   */
  evaluation?: EvaluationSums;
}

/** A kernel's output array of `length`: the one provided (gradientOut, lossesOut), zero-filled, or a new one. */
export function outputArray(provided: Float64Array | undefined, length: number): Float64Array {
  return provided === undefined ? new Float64Array(length) : provided.fill(0);
}
