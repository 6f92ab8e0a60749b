/**
 * JSON arrays (already type-checked by the schema) -> flat Float64Array, with the one check
 * that belongs to their form: every row of a matrix has C values. Value checks (finite, in
 * range) are the same for JSON and encoded tensors and live in value-checks.ts. Each returned
 * array owns its buffer, so it can be transferred to a worker.
 */
import type { FieldErrors } from './field-errors.js';

export type JsonVector = number[];
export type JsonMatrix = number[][];

export function isMatrix(value: JsonVector | JsonMatrix): value is JsonMatrix {
  return value.length > 0 && Array.isArray(value[0]);
}

/** Copies a flat vector. */
export function flattenVector(values: JsonVector): Float64Array {
  return new Float64Array(values);
}

/** Copies an n x c matrix row-major; a row without c values is an error naming that row. */
export function flattenMatrix(rows: JsonMatrix, c: number, field: string, errors: FieldErrors): Float64Array {
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
    for (let j = 0; j < c; j++) out[off + j] = row[j];
  }
  return out;
}
