/**
 * Open Inference Protocol tensor datatypes this service reads and writes: item sizes, the
 * conversion of little-endian binary tensor data into typed arrays (FP16 and BF16 widened to
 * float32, which holds every value of both exactly), and the rounding of JSON numbers to a
 * datatype's precision (a JSON FP16 tensor means the FP16 values nearest to those numbers,
 * exactly as its binary form would). Pure functions, no I/O.
 */
import { halfTable, OIP_ITEM_SIZE } from '../tensors/dtypes.js';
import type { TensorValues } from '../tensors/field-tensor.js';

export { halfToNumber } from '../tensors/dtypes.js';

/** Every datatype the protocol defines; only some are accepted per input (see oip/models.ts). */
export const OIP_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'BF16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type OipDatatype = (typeof OIP_DATATYPES)[number];

/** The datatypes this service decodes. */
export const FLOAT_DATATYPES = ['FP16', 'BF16', 'FP32', 'FP64'] as const;
export const INTEGER_DATATYPES = ['UINT8', 'INT32', 'INT64'] as const;
export type FloatDatatype = (typeof FLOAT_DATATYPES)[number];
export type IntegerDatatype = (typeof INTEGER_DATATYPES)[number];
/** BOOL: one byte per value, 0 or 1 (numpy's bool); JSON true/false. Labels only. */
export type SupportedDatatype = FloatDatatype | IntegerDatatype | 'BOOL';

/** Bytes per element (tensors/dtypes.ts). */
export const ITEM_SIZE: Record<SupportedDatatype, number> = OIP_ITEM_SIZE;

export function isSupportedDatatype(value: string): value is SupportedDatatype {
  return Object.hasOwn(ITEM_SIZE, value);
}

export function isIntegerDatatype(value: SupportedDatatype): value is IntegerDatatype {
  return value === 'UINT8' || value === 'INT32' || value === 'INT64';
}

/** Why a value cannot be represented in a datatype, or null when it can. */
export type ValueProblem = string | null;

// ---------------------------------------------------------------------------------------------
// Binary tensor data -> typed arrays. Each result owns its buffer (so it can be transferred to a
// worker); the host is little-endian like the data (tensors/dtypes.ts), so whole types are copied as they are.

/**
 * Decodes `bytes` (exactly count x item size of them, checked by the caller) into a typed array:
 * FP16/BF16 widened to float32, INT64 as int32 (or float64 when a value is past 2^31).
 * INT64 values must be safe integers (|v| < 2^53) to be read exactly; a larger one is reported
 * through `onBadValue` with its index, and decoding stops.
 */
export function decodeBinary(
  datatype: SupportedDatatype,
  bytes: Uint8Array,
  onBadValue: (index: number, reason: string) => void,
): TensorValues {
  const count = bytes.byteLength / ITEM_SIZE[datatype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (datatype) {
    case 'BOOL': {
      // numpy writes a bool as one byte 0 or 1; any other byte is not a BOOL value.
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] > 1) {
          onBadValue(i, `is the byte ${bytes[i]}, not a BOOL (0 or 1)`);
          break;
        }
      }
      return new Uint8Array(bytes);
    }
    case 'UINT8':
      return new Uint8Array(bytes);
    case 'INT32':
      return new Int32Array(ownedCopy(bytes));
    case 'INT64':
      return decodeInt64(view, count, onBadValue);
    case 'FP32':
      return new Float32Array(ownedCopy(bytes));
    case 'FP64':
      return new Float64Array(ownedCopy(bytes));
    case 'FP16': {
      const table = halfTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(2 * i, true)];
      return out;
    }
    case 'BF16': {
      // bfloat16 is the upper half of a float32: shift its bits into place (the Uint32 and
      // Float32 views share the host's byte order, so this holds on any host).
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
  }
}

/**
 * A copy of the bytes in a fresh ArrayBuffer: aligned for any typed array, and transferable.
 * (Not bytes.slice(): on a Buffer that is a view of the same memory, not a copy.)
 */
function ownedCopy(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}

/** INT64 -> the narrowest exact array: int32 when every value fits, else float64 (exact below 2^53). */
function decodeInt64(view: DataView, count: number, onBadValue: (index: number, reason: string) => void): TensorValues {
  const wide = new Float64Array(count);
  let fitsInt32 = true;
  for (let i = 0; i < count; i++) {
    const lo = view.getUint32(8 * i, true);
    const hi = view.getInt32(8 * i + 4, true);
    // hi * 2^32 + lo is exact while |hi| < 2^21, i.e. |v| < 2^53.
    if (hi >= 0x200000 || hi < -0x200000) {
      onBadValue(i, 'is an INT64 beyond +-2^53, which cannot be read exactly');
      return wide;
    }
    const v = hi * 4294967296 + lo;
    wide[i] = v;
    if (v < -2147483648 || v > 2147483647) fitsInt32 = false;
  }
  return fitsInt32 ? Int32Array.from(wide) : wide;
}

// ---------------------------------------------------------------------------------------------
// JSON numbers -> a datatype's values.

interface FloatFormat {
  /** Explicit fraction bits. */
  fractionBits: number;
  /** Smallest normal exponent. */
  minExponent: number;
  /** Largest finite value; a number that rounds past it is not representable. */
  maxFinite: number;
}

const HALF: FloatFormat = { fractionBits: 10, minExponent: -14, maxFinite: 65504 };
const BFLOAT: FloatFormat = { fractionBits: 7, minExponent: -126, maxFinite: 3.3895313892515355e38 };

/**
 * Rounds a finite number to the nearest value of a binary float format (ties to even), in one
 * step: rounding through float32 first would round twice and can land on the wrong neighbour.
 * Returns Infinity (with the sign) when the result overflows the format.
 */
function roundToFormat(x: number, format: FloatFormat): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const magnitude = Math.abs(x);
  let exponent = Math.floor(Math.log2(magnitude));
  // log2 may be off by one next to a power of two: settle the exponent exactly.
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  // Subnormals share the smallest normal exponent's spacing.
  const quantum = 2 ** (Math.max(exponent, format.minExponent) - format.fractionBits);
  const scaled = magnitude / quantum; // exact: dividing by a power of two
  let units = Math.floor(scaled);
  const rest = scaled - units;
  if (rest > 0.5 || (rest === 0.5 && units % 2 === 1)) units++;
  const rounded = units * quantum;
  return Math.sign(x) * (rounded > format.maxFinite ? Infinity : rounded);
}

/** The nearest FP16 value (Infinity past 65504). */
export function roundToHalf(x: number): number {
  return roundToFormat(x, HALF);
}

/** The nearest BF16 value (Infinity past its largest finite value). */
export function roundToBfloat16(x: number): number {
  return roundToFormat(x, BFLOAT);
}

const INTEGER_RANGE: Record<IntegerDatatype, [number, number]> = {
  UINT8: [0, 255],
  INT32: [-2147483648, 2147483647],
  // JSON numbers are doubles: integers are exact up to 2^53.
  INT64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Checks that a JSON number is a value of `datatype` (an integer in range for integer types;
 * finite numbers are rounded to the float type's precision by `jsonToTyped`).
 */
export function jsonValueProblem(datatype: SupportedDatatype, value: number): ValueProblem {
  if (isIntegerDatatype(datatype)) {
    const [min, max] = INTEGER_RANGE[datatype];
    if (!Number.isInteger(value) || value < min || value > max) return `must be an integer in [${min}, ${max}] (datatype ${datatype})`;
    return null;
  }
  return null;
}

/** An empty typed array of the kind `datatype` decodes to, for `count` JSON values. */
export function allocateFor(datatype: SupportedDatatype, count: number, values: ArrayLike<number>): TensorValues {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(count);
    case 'INT32':
      return new Int32Array(count);
    case 'INT64': {
      for (let i = 0; i < count; i++) if (values[i] < -2147483648 || values[i] > 2147483647) return new Float64Array(count);
      return new Int32Array(count);
    }
    case 'FP64':
      return new Float64Array(count);
    default:
      return new Float32Array(count);
  }
}

/**
 * Stores JSON numbers (already checked with jsonValueProblem) in the datatype's typed array,
 * rounded to its precision. A float that overflows the datatype becomes Infinity there, as its
 * binary form would be, and is then refused by the finiteness check all tensors go through.
 */
export function jsonToTyped(datatype: SupportedDatatype, values: number[]): TensorValues {
  const out = allocateFor(datatype, values.length, values);
  const round = datatype === 'FP16' ? roundToHalf : datatype === 'BF16' ? roundToBfloat16 : null;
  if (round === null) out.set(values);
  else for (let i = 0; i < values.length; i++) out[i] = round(values[i]);
  return out;
}
