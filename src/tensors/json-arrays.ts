/**
 * JSON arrays (already type-checked by the schema) -> flat Float64Array, with the checks a
 * schema cannot express: vector vs. matrix, ragged rows, finiteness (JSON.parse turns 1e999
 * into Infinity) and value ranges. Each returned array owns its buffer, so it can be
 * transferred to a worker.
 */
import type { FieldErrors } from './field-errors.js';

export type JsonVector = number[];
export type JsonMatrix = number[][];

export function isMatrix(value: JsonVector | JsonMatrix): value is JsonMatrix {
  return value.length > 0 && Array.isArray(value[0]);
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

/** Copies a flat vector, checking each value. */
export function readVector(values: JsonVector, field: string, range: Range, errors: FieldErrors): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= range.min && v <= range.max) || v - v !== 0) {
      errors.add([field, i], range.reason);
      if (errors.full) break;
    }
    out[i] = v;
  }
  return out;
}

/** Copies an n x c matrix row-major, checking row lengths and each value. */
export function readMatrix(rows: JsonMatrix, c: number, field: string, range: Range, errors: FieldErrors): Float64Array {
  const n = rows.length;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (row.length !== c) {
      errors.add([field, i], `has ${row.length} values; every row must have ${c} (C, the length of logits[0])`);
      if (errors.full) break;
      continue;
    }
    const off = i * c;
    for (let j = 0; j < c; j++) {
      const v = row[j];
      if (!(v >= range.min && v <= range.max) || v - v !== 0) {
        errors.add([field, i, j], range.reason);
        if (errors.full) return out;
      }
      out[off + j] = v;
    }
  }
  return out;
}
