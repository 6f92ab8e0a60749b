/**
 * The evaluation sums fused into the WASM kernels' pass (assembly/focal-kernels.ts: calibration
 * bins, Brier and NLL sums computed per element alongside the loss): which batches ask for them,
 * their buffers in WASM memory, the confusion counts, and the sums handed back as
 * FocalResult.evaluation. evaluation-pass.ts stays the reference and the fallback: evaluated-focal.ts
 * runs it whenever a result comes without them (the JS kernels, or any WASM fallback).
 *
 * Numerics: the kernels evaluate evaluation-pass.ts's formulas on bit-identical p and confidence
 * values, so bin counts and hit sums are exact; value, Brier and NLL sums agree to rounding (the
 * order of the additions differs; both are compensated across chunks).
 *
 * The confusion counts are kept here, not in WASM memory (c x c could be large): the kernel writes
 * each row's (class, prediction) for the chunk, and countChunk adds them up after each chunk.
 */
import { BIN_FIELDS, CALIBRATION_BINS } from 'focal-loss-client/merge';
import type { EvaluationSums, KernelBatch } from './types.js';

/** The kernel exports this file uses. */
export interface EvaluationExports {
  memory: { readonly buffer: ArrayBuffer };
  evaluationLayout(v: number, r: number): void;
  brierSum(): number;
  nllSum(): number;
}

/** True when the batch asks for the sums of a fused pass (calibration or confusion; sweeps are not). */
export function wantsEvaluation(batch: KernelBatch): boolean {
  const e = batch.evaluation;
  return e !== undefined && (e.calibration || e.confusion);
}

/** Numbers in the calibration bins: per column (binary, multilabel) or one set (multiclass). */
export function calibrationLength(batch: KernelBatch): number {
  return (batch.mode === 'multiclass' ? 1 : batch.c) * CALIBRATION_BINS * BIN_FIELDS;
}

/** One batch's fused evaluation: set up before the first chunk, read after the last. */
export class FusedEvaluation {
  private readonly matrix: Float64Array | undefined;

  /**
   * v: the calibration buffer (calibrationLength f64); r: softmax's per-row (class, prediction)
   * pairs (2 x int32 per row of a chunk). Zeroes the bins and the kernel's Brier and NLL sums.
   */
  constructor(
    private readonly exports: EvaluationExports,
    private readonly batch: KernelBatch,
    private readonly v: number,
    private readonly r: number,
  ) {
    new Float64Array(exports.memory.buffer, v, calibrationLength(batch)).fill(0);
    exports.evaluationLayout(v, r);
    const c = batch.c;
    this.matrix = batch.mode === 'multiclass' && batch.evaluation?.confusion === true ? new Float64Array(c * c) : undefined;
  }

  /** After a softmax chunk of `rows` rows: adds their (class, prediction) counts (ignored rows: class -1). */
  countChunk(rows: number): void {
    const matrix = this.matrix;
    if (matrix === undefined) return;
    const c = this.batch.c;
    const pairs = new Int32Array(this.exports.memory.buffer, this.r, 2 * rows);
    for (let i = 0; i < 2 * rows; i += 2) {
      const cls = pairs[i];
      if (cls >= 0) matrix[cls * c + pairs[i + 1]]++;
    }
  }

  /** The sums of every chunk, copied out of WASM memory. */
  finish(): EvaluationSums {
    const e = this.exports;
    return {
      calibration: new Float64Array(e.memory.buffer, this.v, calibrationLength(this.batch)).slice(),
      scoreSums: Float64Array.of(e.brierSum(), e.nllSum()),
      confusion: this.matrix,
    };
  }
}
