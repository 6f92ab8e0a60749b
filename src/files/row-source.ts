/**
 * A file of numbers read in chunks of rows, whatever its format: NumPy .npy (read at file
 * offsets, never whole), CSV or JSON lines (streamed). The shape is known before any value
 * is read, so shapes can be checked before anything is computed or sent.
 */
import path from 'node:path';

export type FloatRows = Float64Array | Float32Array;

export interface RowSource {
  readonly path: string;
  /** Rows in the file (the first dimension). */
  readonly rows: number;
  /** Values per row; null for a 1-D file (a vector: one value per row). */
  readonly cols: number | null;
  /**
   * The file's whole shape when it declares one (.npy), e.g. [N, C, H, W]: a file of rank 3 or more
   * is read in rows of whole samples (the first axis), `cols` values each (C x H x W), in its own
   * order (class axis 1, as the service's dense shapes).
   */
  readonly shape?: number[];
  /** Column names from a CSV header line, when the file has one. */
  readonly columnNames: string[] | null;
  /**
   * The next `maxRows` rows (fewer at the end), row-major, in an array that owns its buffer
   * (so it can be transferred to a worker). Float32 when the file stores float32 or float16,
   * float64 otherwise. Throws a FileFormatError naming the file and the place on bad content.
   */
  read(maxRows: number): Promise<FloatRows>;
  close(): Promise<void>;
}

/** Bad or unreadable file content: the message names the file and, when known, the line or element. */
export class FileFormatError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'FileFormatError';
  }
}

/** Width of a row: 1 for a vector. */
export function rowWidth(source: Pick<RowSource, 'cols'>): number {
  return source.cols ?? 1;
}

export type FileFormat = 'npy' | 'csv' | 'jsonl';

export function formatOf(file: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new FileFormatError(file, `unknown file type "${ext || '(none)'}"; use .npy, .csv or .jsonl`);
}
