/**
 * Value checks on a chunk before it is computed or sent, with the service's rules (finite
 * logits, labels in [0, 1], class ids in range, probability rows summing to 1, weights >= 0),
 * reported with the file and row they come from rather than as a chunk-relative pointer.
 */
import { ANY_FINITE, NON_NEGATIVE, ROW_SUM_TOLERANCE, UNIT_INTERVAL, type Range } from '../tensors/value-checks.js';
import type { Mode } from '../schemas/loss-request.js';
import { FileFormatError, type FloatRows } from '../files/row-source.js';
import type { Chunk } from './chunk.js';

export interface ChunkFiles {
  logits: string;
  targets: string;
  weights?: string;
}

function where(row0: number, index: number, width: number): string {
  const row = row0 + Math.floor(index / width);
  return width === 1 ? `row ${row}` : `row ${row}, column ${index % width}`;
}

function checkRange(file: string, values: FloatRows, row0: number, width: number, range: Range): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= range.min && v <= range.max) || v - v !== 0) {
      throw new FileFormatError(file, `${where(row0, i, width)}: ${v} ${range.reason.replace(/^must be/, 'is not')}`);
    }
  }
}

/** Class ids read as floats -> int32, checking each is an integer in [0, C) or ignore_index. */
export function toClassIds(file: string, values: FloatRows, row0: number, c: number, ignoreIndex: number | null): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === ignoreIndex) {
      out[i] = v;
      continue;
    }
    if (!Number.isInteger(v)) {
      throw new FileFormatError(file, `row ${row0 + i}: ${v} is not an integer class id (give probability rows N x C instead)`);
    }
    if (v < 0 || v >= c) {
      const ignore = ignoreIndex === null ? '' : ` and is not --ignore-index (${ignoreIndex})`;
      throw new FileFormatError(file, `row ${row0 + i}: class id ${v} is out of range [0, ${c})${ignore}`);
    }
    out[i] = v;
  }
  return out;
}

export function checkChunk(mode: Mode, chunk: Chunk, c: number, files: ChunkFiles): void {
  checkRange(files.logits, chunk.logits, chunk.row0, c, ANY_FINITE);
  if (chunk.targets !== null) {
    if (mode === 'multiclass') {
      checkRange(files.targets, chunk.targets, chunk.row0, c, NON_NEGATIVE);
      for (let i = 0; i < chunk.rows; i++) {
        let s = 0;
        for (let k = 0; k < c; k++) s += chunk.targets[i * c + k];
        if (Math.abs(s - 1) > ROW_SUM_TOLERANCE) {
          throw new FileFormatError(files.targets, `row ${chunk.row0 + i}: a probability row summing to ${s}; it must sum to 1 (within ${ROW_SUM_TOLERANCE})`);
        }
      }
    } else {
      checkRange(files.targets, chunk.targets, chunk.row0, c, UNIT_INTERVAL);
    }
  }
  if (chunk.weights !== null && files.weights !== undefined) checkRange(files.weights, chunk.weights, chunk.row0, 1, NON_NEGATIVE);
}
