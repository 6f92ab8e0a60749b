/**
 * JSON arrays (already type-checked by the schema) -> a flat Float64Array and its shape, with
 * the structural check only JSON needs: rows of equal length. What the values must be is
 * checked afterwards, on the typed array, by the checks every endpoint shares (tensor.ts,
 * decode-loss-request.ts). Each returned array owns its buffer, so it can be transferred to a
 * worker.
 */
import type { FieldErrors } from './field-errors.js';
import type { Tensor } from './tensor.js';

export type JsonVector = number[];
export type JsonMatrix = number[][];

export function isMatrix(value: JsonVector | JsonMatrix): value is JsonMatrix {
  return value.length > 0 && Array.isArray(value[0]);
}

/**
 * Copies a vector number[N] or a matrix number[N][C] (C the length of its first row; every row
 * must have it) into a flat row-major Float64Array.
 */
export function readJsonTensor(value: JsonVector | JsonMatrix, field: string, errors: FieldErrors): Tensor {
  if (!isMatrix(value)) return { values: Float64Array.from(value), shape: [value.length] };
  const n = value.length;
  const c = value[0].length;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const row = value[i];
    if (row.length !== c) {
      errors.add([field, i], `has ${row.length} values; every row must have ${c} (the length of ${field}[0])`);
      if (errors.full) break;
      continue;
    }
    out.set(row, i * c);
  }
  return { values: out, shape: [n, c] };
}
