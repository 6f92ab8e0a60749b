/**
 * CSV and JSON-lines files streamed in blocks: a first pass counts the rows (newlines, at
 * disk speed) so the shape is known before anything is computed or sent, then rows are
 * parsed chunk by chunk. CSV: comma-separated numbers, an optional header line (its names
 * become the column names). JSON lines: one number or one array of numbers per line.
 * Blank lines are skipped in both.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { FileFormatError, type RowSource } from './row-source.js';

const BLOCK = 1 << 20;

/** Splits a file into lines block by block, keeping the line number of each. */
class LineReader {
  private pending: string[] = [];
  /** Index of the next unread line in `pending` (no shift(): it copies a long array each time). */
  private next_ = 0;
  private partial = '';
  private position = 0;
  private eof = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  lineNumber = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly file: string,
  ) {}

  /** The next non-blank line, or null at the end of the file. */
  async next(): Promise<string | null> {
    for (;;) {
      while (this.next_ < this.pending.length) {
        const line = this.pending[this.next_++];
        this.lineNumber++;
        if (line.trim() !== '') return line;
      }
      if (this.eof) return null;
      await this.fill();
    }
  }

  private async fill(): Promise<void> {
    const block = new Uint8Array(BLOCK);
    const { bytesRead } = await this.fh.read(block, 0, BLOCK, this.position);
    this.position += bytesRead;
    let text: string;
    try {
      text = this.partial + this.decoder.decode(block.subarray(0, bytesRead), { stream: bytesRead > 0 });
    } catch {
      throw new FileFormatError(this.file, `is not valid UTF-8 text (near byte ${this.position})`);
    }
    const lines = text.split('\n');
    if (bytesRead === 0) {
      this.eof = true;
      this.partial = '';
    } else {
      this.partial = lines.pop() as string;
    }
    this.pending = lines;
    this.next_ = 0;
  }
}

/** Counts the non-blank lines of a file without decoding it. */
async function countRows(fh: FileHandle): Promise<number> {
  const block = new Uint8Array(BLOCK);
  let position = 0;
  let rows = 0;
  let content = false;
  for (;;) {
    const { bytesRead } = await fh.read(block, 0, BLOCK, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    for (let i = 0; i < bytesRead; i++) {
      const b = block[i];
      if (b === 0x0a) {
        if (content) rows++;
        content = false;
      } else if (b !== 0x20 && b !== 0x0d && b !== 0x09) {
        content = true;
      }
    }
  }
  return content ? rows + 1 : rows;
}

type LineParser = (line: string, where: () => string) => number[] | number;

const parseCsvLine: LineParser = (line, where) => {
  const fields = line.split(',');
  const out = new Array<number>(fields.length);
  for (let j = 0; j < fields.length; j++) out[j] = parseNumber(fields[j], () => `${where()}, column ${j + 1}`);
  return out;
};

const parseJsonLine: LineParser = (line, where) => {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${where()}: is not valid JSON`);
  }
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
  throw new Error(`${where()}: must be a number or an array of numbers`);
};

function parseNumber(field: string, where: () => string): number {
  const text = field.trim();
  const v = text === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) throw new Error(`${where()}: "${text}" is not a finite number`);
  return v;
}

class TextSource implements RowSource {
  private first: number[] | number | null;
  private row = 0;

  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly lines: LineReader,
    private readonly parse: LineParser,
    readonly rows: number,
    readonly cols: number | null,
    readonly columnNames: string[] | null,
    first: number[] | number | null,
  ) {
    this.first = first;
  }

  async read(maxRows: number): Promise<Float64Array> {
    const k = Math.min(maxRows, this.rows - this.row);
    const width = this.cols ?? 1;
    const out = new Float64Array(k * width);
    for (let i = 0; i < k; i++) {
      let value = this.first;
      this.first = null;
      if (value === null) {
        const line = await this.lines.next();
        if (line === null) throw new FileFormatError(this.path, `ended after ${this.row + i} rows; expected ${this.rows}`);
        value = this.parseLine(line);
      }
      const scalar = typeof value === 'number';
      if (this.cols === null ? !scalar : scalar || (value as number[]).length !== width) {
        const found = scalar ? 'a single number' : `${(value as number[]).length} values`;
        const expected = this.cols === null ? 'a single number' : `${width} values`;
        throw new FileFormatError(this.path, `line ${this.lines.lineNumber}: has ${found}; the first row has ${expected}`);
      }
      if (scalar) out[i] = value as number;
      else out.set(value as number[], i * width);
    }
    this.row += k;
    return out;
  }

  parseLine(line: string): number[] | number {
    try {
      return this.parse(line, () => `line ${this.lines.lineNumber}`);
    } catch (err) {
      throw new FileFormatError(this.path, (err as Error).message);
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export async function openText(file: string, format: 'csv' | 'jsonl'): Promise<RowSource> {
  const fh = await open(file, 'r');
  try {
    let rows = await countRows(fh);
    const lines = new LineReader(fh, file);
    const parse = format === 'csv' ? parseCsvLine : parseJsonLine;
    const firstLine = await lines.next();
    if (firstLine === null) throw new FileFormatError(file, 'is empty');
    let columnNames: string[] | null = null;
    let first: number[] | number | null;
    const probe = new TextSource(file, fh, lines, parse, 0, null, null, null);
    if (format === 'csv' && firstLine.split(',').some((f) => !Number.isFinite(Number(f.trim())) || f.trim() === '')) {
      // A header line: its fields name the columns; the data starts on the next line.
      columnNames = firstLine.split(',').map((f) => f.trim());
      rows--;
      const next = await lines.next();
      if (next === null) throw new FileFormatError(file, 'has a header line but no rows');
      first = probe.parseLine(next);
    } else {
      first = probe.parseLine(firstLine);
    }
    const width = typeof first === 'number' ? 1 : first.length;
    if (width === 0) throw new FileFormatError(file, `line ${lines.lineNumber}: is an empty row`);
    // CSV: one column is a vector (N,); JSON lines: bare numbers are a vector, arrays are rows.
    const cols = format === 'csv' ? (width === 1 ? null : width) : typeof first === 'number' ? null : width;
    if (format === 'csv' && cols === null) first = (first as number[])[0];
    return new TextSource(file, fh, lines, format === 'csv' && cols === null ? csvScalar : parse, rows, cols, columnNames, first);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** A one-column CSV line as a number (the file is a vector). */
const csvScalar: LineParser = (line, where) => {
  const values = parseCsvLine(line, where) as number[];
  return values.length === 1 ? values[0] : values;
};
