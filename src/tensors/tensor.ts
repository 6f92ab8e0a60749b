/**
 * A decoded tensor (flat row-major typed values and a shape) and the value checks every
 * endpoint shares: ranges and finiteness, reported per element with its index path
 * (e.g. "#/logits/3/1"), whether the values came from JSON arrays or from binary data.
 */
import type { FloatArray } from '../kernels/types.js';
import type { FieldErrors } from './field-errors.js';

/** Typed values as decoded: float64 (JSON), float32 (FP32, FP16, BF16), int32 or uint8 (integer datatypes). */
export type TensorValues = Float64Array | Float32Array | Int32Array | Uint8Array;

export interface Tensor {
  /** Row-major values; their length is the product of `shape`. */
  values: TensorValues;
  shape: readonly number[];
}

export interface Range {
  min: number;
  max: number;
  /** Reason text when out of range, e.g. "must be in [0, 1]". */
  reason: string;
}

export const ANY_FINITE: Range = { min: -Infinity, max: Infinity, reason: 'must be a finite number' };
export const UNIT_INTERVAL: Range = { min: 0, max: 1, reason: 'must be a finite number in [0, 1]' };
export const NON_NEGATIVE: Range = { min: 0, max: Infinity, reason: 'must be a finite number >= 0' };

/** Checks every value of a tensor of rank 1 or 2 against a range (finite, within min and max). */
export function checkValues(tensor: Tensor, field: string, range: Range, errors: FieldErrors): void {
  const { values, shape } = tensor;
  const c = shape.length === 2 ? shape[1] : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= range.min && v <= range.max) || v - v !== 0) {
      errors.add(c > 0 ? [field, Math.floor(i / c), i % c] : [field, i], range.reason);
      if (errors.full) return;
    }
  }
}

/** The values as a float array a kernel reads: float arrays as they are, integer arrays widened. */
export function asFloatArray(values: TensorValues): FloatArray {
  return values instanceof Float64Array || values instanceof Float32Array ? values : Float64Array.from(values);
}
