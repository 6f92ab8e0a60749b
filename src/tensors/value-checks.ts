/**
 * The value checks a schema cannot express, written once for JSON arrays and encoded tensors
 * alike (field-tensor.ts): finite values in a range, integer class ids in [0, C), probability
 * rows summing to 1. Each check first scans with one comparison per value and only walks the
 * values again to name the offending ones when there are any.
 */
import type { FieldErrors } from './field-errors.js';
import { addElementError, addRowError, type FieldTensor, type TensorValues } from './field-tensor.js';

/** Probability rows must sum to 1 within this tolerance. */
export const ROW_SUM_TOLERANCE = 1e-6;

export interface Range {
  /** Finite bounds: a value passes when min <= v <= max, which NaN and +-Infinity never do. */
  min: number;
  max: number;
  /** Reason text when out of range, e.g. "must be in [0, 1]". */
  reason: string;
}

export const ANY_FINITE: Range = { min: -Number.MAX_VALUE, max: Number.MAX_VALUE, reason: 'must be a finite number' };
export const UNIT_INTERVAL: Range = { min: 0, max: 1, reason: 'must be a finite number in [0, 1]' };
export const NON_NEGATIVE: Range = { min: 0, max: Number.MAX_VALUE, reason: 'must be a finite number >= 0' };

/**
 * Index of the first value outside [min, max] (NaN included), or -1. Each array type gets a loop
 * of its own: one loop that sees several typed-array types is compiled for all of them and runs
 * 2-3x slower (8M float32 values: 18 ms against 8 ms; 8M uint8 labels: 23 ms in the shared loop,
 * in a worker that checks float32 logits and uint8 labels of every request).
 */
function firstOutside(values: TensorValues, min: number, max: number): number {
  if (values instanceof Float32Array) return firstOutsideF32(values, min, max);
  if (values instanceof Float64Array) return firstOutsideF64(values, min, max);
  if (values instanceof Uint8Array) return firstOutsideU8(values, min, max);
  return firstOutsideI32(values, min, max);
}

function firstOutsideF32(values: Float32Array, min: number, max: number): number {
  for (let i = 0; i < values.length; i++) if (!(values[i] >= min && values[i] <= max)) return i;
  return -1;
}

function firstOutsideF64(values: Float64Array, min: number, max: number): number {
  for (let i = 0; i < values.length; i++) if (!(values[i] >= min && values[i] <= max)) return i;
  return -1;
}

function firstOutsideU8(values: Uint8Array, min: number, max: number): number {
  for (let i = 0; i < values.length; i++) if (!(values[i] >= min && values[i] <= max)) return i;
  return -1;
}

function firstOutsideI32(values: Int32Array, min: number, max: number): number {
  for (let i = 0; i < values.length; i++) if (!(values[i] >= min && values[i] <= max)) return i;
  return -1;
}

/** Every value finite and within the range; each offending one is named (up to the cap). */
export function checkRange(t: FieldTensor, range: Range, errors: FieldErrors): void {
  const { min, max } = range;
  const values = t.values;
  for (let i = firstOutside(values, min, max); i >= 0 && i < values.length; i++) {
    const v = values[i];
    if (!(v >= min && v <= max)) {
      addElementError(errors, t, i, range.reason);
      if (errors.full) return;
    }
  }
}

/**
 * Integer class ids in [0, C), or ignore_index (stored as -1: the kernel skips negative labels).
 * Returns the ids as a new Int32Array.
 */
export function readClassIds(t: FieldTensor, c: number, ignoreIndex: number | null, errors: FieldErrors): Int32Array {
  const values = t.values;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === ignoreIndex) {
      out[i] = -1;
    } else if (v >= 0 && v < c && Math.floor(v) === v) {
      out[i] = v;
    } else if (!Number.isInteger(v)) {
      addElementError(errors, t, i, 'must be an integer class id in multiclass mode (or give probability rows [N, C])');
    } else {
      addElementError(
        errors,
        t,
        i,
        `class id ${v} is out of range [0, ${c})` + (ignoreIndex === null ? '' : ` and is not ignore_index (${ignoreIndex})`),
      );
    }
    if (errors.full) break;
  }
  return out;
}

/**
 * Each row of an [N, C] matrix of values >= 0 sums to 1 within ROW_SUM_TOLERANCE; for a dense
 * tensor [N, C, d1, ..., dk], each position's C values along the class axis (at stride
 * S = d1 x ... x dk, read in place), an error naming the position's class-0 element.
 */
export function checkProbabilityRows(t: FieldTensor, errors: FieldErrors): void {
  const [n, c] = t.shape;
  const positions = t.shape.slice(2).reduce((a, b) => a * b, 1);
  const values = t.values;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < positions; p++) {
      const base = i * c * positions + p;
      let s = 0;
      for (let j = 0; j < c; j++) s += values[base + j * positions];
      if (Math.abs(s - 1) <= ROW_SUM_TOLERANCE) continue;
      if (t.shape.length <= 2) {
        addRowError(errors, t, i, `is a probability row summing to ${s}; it must sum to 1 (within ${ROW_SUM_TOLERANCE})`);
      } else {
        addElementError(
          errors,
          t,
          base,
          `starts a probability vector along the class axis (axis 1) summing to ${s}; it must sum to 1 (within ${ROW_SUM_TOLERANCE})`,
        );
      }
      if (errors.full) return;
    }
  }
}
