/**
 * One chunk of rows of the evaluated files, and what computing it (locally or on the service)
 * gives back. Chunks are computed with reduction `sum` (or `none`) and merged afterwards
 * (the client package's merge, focal-loss-client/merge), so the merged result is the whole file's.
 */
import type { ChunkAnswer } from 'focal-loss-client';
import type { BatchArrays } from '../tensors/check-batch.js';

export interface Chunk {
  index: number;
  /** Index of the chunk's first row in the files. */
  row0: number;
  rows: number;
  /** The rows' values, checked (cli/settings.ts checkChunk): class ids with ignored rows as -1. */
  data: BatchArrays;
  /**
   * Dense files (rank 3 or more): the chunk is `rows / S` whole samples of S positions each, its
   * arrays in the files' own layout [samples, C, d1, ...] (kernels/types.ts). Absent otherwise.
   */
  dense?: ChunkDense;
}

export interface ChunkDense {
  /** S, positions per sample. */
  positions: number;
  /** The chunk's logits and targets shapes: the files' with the first axis its sample count. */
  logitsShape: number[];
  targetsShape: number[];
}

/** What computing a chunk gives back: the client package's merge input (its raw counters, gradient, losses). */
export type ChunkOutcome = ChunkAnswer;

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
