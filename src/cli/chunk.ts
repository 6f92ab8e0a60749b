/**
 * One chunk of rows of the evaluated files, and what computing it (locally or on the service)
 * gives back. Chunks are computed with reduction `sum` (or `none`) and merged afterwards
 * (tensors/merge-results.ts), so the merged result is the whole file's.
 */
import type { FloatRows } from '../files/row-source.js';
import type { PartialResult } from '../tensors/merge-results.js';

export interface Chunk {
  index: number;
  /** Index of the chunk's first row in the files. */
  row0: number;
  rows: number;
  /** rows x c logits, row-major (binary: c = 1). */
  logits: FloatRows;
  /** binary/multilabel labels or multiclass probability rows, rows x c; null for class ids. */
  targets: FloatRows | null;
  /** multiclass class ids as the file has them (ignore_index included); null otherwise. */
  classIds: Int32Array | null;
  weights: FloatRows | null;
}

export interface ChunkOutcome {
  partial: PartialResult;
  /** Gradient of the chunk's loss sum, rows x c; null unless asked for. */
  gradient: Float64Array | null;
  /** Per-element (binary, multilabel) or per-row (multiclass) losses; null unless reduction is none. */
  losses: Float64Array | null;
}

export interface Backend {
  /** Chunks worth having in flight at once. */
  readonly concurrency: number;
  /** "local, 2 worker threads" or the service URL, for the summary line. */
  readonly description: string;
  run(chunk: Chunk, signal: AbortSignal): Promise<ChunkOutcome>;
  /** Retries done so far (remote only). */
  readonly retries: number;
  close(): Promise<void>;
}
