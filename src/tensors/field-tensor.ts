/**
 * One request field's numbers as a flat typed array plus its shape, whether the client sent
 * JSON arrays, an encoded tensor, or a tensor another protocol already decoded (the Open
 * Inference Protocol's JSON or binary tensor data, oip/decode-inputs.ts), so that every value
 * check (value-checks.ts) is written once for all forms. Errors point where the client wrote
 * the value:
 * - JSON arrays: the element's own pointer, `#/targets/3/1`;
 * - encoded and decoded tensors: `#/targets/data` and the element's index ("element [3, 1] must
 *   be ..."), since the elements are inside one base64 string (or binary data).
 */
import type { EncodedTensor, TensorDtype } from '../schemas/encoded-tensor.js';
import { liftedText } from '../body/lift-strings.js';
import { decodeBase64 } from './base64.js';
import { DTYPES } from './dtypes.js';
import { elementIndex, type FieldErrors } from './field-errors.js';
import { flattenMatrix, flattenVector, isMatrix, type JsonMatrix, type JsonVector } from './json-arrays.js';

/** Values as decoded: JSON and float dtypes as floats, integer dtypes as they are (int64 as float64). */
export type TensorValues = Float64Array | Float32Array | Int32Array | Uint8Array;

export interface FieldTensor {
  /** The request field, e.g. "targets". */
  field: string;
  encoded: boolean;
  /** [N] or [N, C]. */
  shape: number[];
  values: TensorValues;
}

/**
 * A tensor already decoded to typed values by another protocol's reader, which checked its
 * datatype and that its values fill `shape` ([N] or [N, C]) exactly.
 */
export interface DecodedTensor {
  shape: number[];
  values: TensorValues;
}

/** A field as the client sent it: JSON numbers, rows of numbers, an encoded tensor, or a decoded one. */
export type FieldValue = JsonVector | JsonMatrix | EncodedTensor | DecodedTensor;

/** Encoded and decoded tensors: a declared shape and flat data, rather than JSON arrays. */
export function isEncoded(value: FieldValue): value is EncodedTensor | DecodedTensor {
  return !Array.isArray(value);
}

function isDecoded(value: FieldValue): value is DecodedTensor {
  return !Array.isArray(value) && 'values' in value;
}

/**
 * The shape the client declared or wrote: [N] or [N, C] (C from the first row for JSON), or a
 * dense rank read from the first entry at each level of nested JSON (regularity is checked when
 * the values are read).
 */
export function declaredShape(value: FieldValue): number[] {
  if (isEncoded(value)) return value.shape;
  const shape = [value.length];
  for (let level: unknown = value[0]; Array.isArray(level); level = level[0]) shape.push(level.length);
  return shape;
}

/** The pointer to a field's shape: the field itself for JSON, its `shape` for an encoded tensor. */
export function shapePath(field: string, value: FieldValue): string[] {
  return isEncoded(value) ? [field, 'shape'] : [field];
}

/**
 * Reads a field into flat values. JSON matrices must have `cols` values in every row;
 * an encoded tensor must have one of the `dtypes` and be strict base64 of exactly
 * product(shape) x item size bytes. Returns null (with the errors added) when it cannot be read.
 */
export function readField(
  field: string,
  value: FieldValue,
  dtypes: readonly TensorDtype[],
  cols: number,
  errors: FieldErrors,
): FieldTensor | null {
  if (!isEncoded(value)) {
    const matrix = isMatrix(value);
    const values = matrix ? flattenMatrix(value, cols, field, errors) : flattenVector(value as JsonVector);
    return { field, encoded: false, shape: matrix ? [value.length, cols] : [value.length], values };
  }
  if (isDecoded(value)) return { field, encoded: true, shape: value.shape, values: value.values };
  if (!dtypes.includes(value.dtype)) {
    errors.add([field, 'dtype'], `must be ${dtypes.join(' or ')} for ${field} (got ${value.dtype})`);
    return null;
  }
  const count = value.shape.reduce((a, b) => a * b, 1);
  const bytes = decodeBase64(liftedText(value), count * DTYPES[value.dtype].size);
  if (typeof bytes === 'string') {
    errors.add(
      [field, 'data'],
      `${bytes} (shape [${value.shape.join(', ')}] of ${value.dtype} is ${count * DTYPES[value.dtype].size} bytes)`,
    );
    return null;
  }
  return { field, encoded: true, shape: value.shape, values: typedView(value.dtype, bytes) };
}

/** The decoded bytes (at offset 0 of their buffer, so aligned) as values of `dtype`. */
function typedView(dtype: TensorDtype, bytes: Uint8Array): TensorValues {
  const count = bytes.byteLength / DTYPES[dtype].size;
  switch (dtype) {
    case 'float32':
      return new Float32Array(bytes.buffer, 0, count);
    case 'float64':
      return new Float64Array(bytes.buffer, 0, count);
    case 'int32':
      return new Int32Array(bytes.buffer, 0, count);
    case 'uint8':
      return bytes;
    default:
      return int64ToFloat64(bytes.buffer, count);
  }
}

/**
 * int64 little-endian -> float64, in place (each 8-byte slot is read as two int32 halves and
 * rewritten as a double). Exact below 2^53; larger values are out of every accepted range anyway,
 * and their rounded value still says so.
 */
function int64ToFloat64(buffer: ArrayBufferLike, count: number): Float64Array {
  const halves = new Int32Array(buffer, 0, 2 * count);
  const out = new Float64Array(buffer, 0, count);
  for (let i = 0; i < out.length; i++) {
    const lo = halves[2 * i] >>> 0;
    const hi = halves[2 * i + 1];
    out[i] = hi * 4294967296 + lo;
  }
  return out;
}

/** Adds an error about one element (flat row-major index) where the client wrote it. */
export function addElementError(errors: FieldErrors, t: FieldTensor, flat: number, reason: string): void {
  if (!t.encoded) errors.add([t.field, ...elementIndex(flat, t.shape)], reason);
  else errors.add([t.field, 'data'], reason, { element: flat, shape: t.shape });
}

/** Adds an error about one row of a matrix where the client wrote it. */
export function addRowError(errors: FieldErrors, t: FieldTensor, row: number, reason: string): void {
  if (!t.encoded) errors.add([t.field, row], reason);
  else errors.add([t.field, 'data'], reason, { row });
}
