/**
 * NumPy .npy files (format versions 1, 2 and 3): the header, rows read at file offsets (C and
 * Fortran order, so a file of any size is read chunk by chunk, never whole), and a writer.
 * Supported element types: float16/32/64, int8..int64, uint8..uint64 and bool, either byte
 * order. Specification: numpy.lib.format (magic "\x93NUMPY", version, header length, a Python
 * dict literal with 'descr', 'fortran_order' and 'shape', padded so the data is 64-byte aligned).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { halfToNumber } from '../tensors/dtypes.js';
import { FileFormatError, type FloatRows, type RowSource } from './row-source.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

interface Descr {
  kind: 'f' | 'i' | 'u' | 'b';
  size: number;
  littleEndian: boolean;
  name: string;
}

export interface NpyHeader {
  descr: Descr;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
}

const KINDS: Record<string, number[]> = { f: [2, 4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] };
const NAMES: Record<string, string> = { f: 'float', i: 'int', u: 'uint', b: 'bool' };

function parseDescr(file: string, text: string): Descr {
  const m = /^([<>|=])([fiub])(\d+)$/.exec(text);
  if (m === null || !KINDS[m[2]].includes(Number(m[3]))) {
    throw new FileFormatError(file, `unsupported .npy dtype '${text}' (use float16/32/64, integers or bool)`);
  }
  const kind = m[2] as Descr['kind'];
  const size = Number(m[3]);
  // '|' (no byte order) only for single bytes; '=' is the writer's native order, little-endian on every platform numpy ships for.
  return { kind, size, littleEndian: m[1] !== '>', name: kind === 'b' ? 'bool' : `${NAMES[kind]}${size * 8}` };
}

/** Parses the header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
export function parseNpyHeader(file: string, bytes: Uint8Array): NpyHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new FileFormatError(file, 'is not a NumPy .npy file (bad magic)');
  const major = buf[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new FileFormatError(file, 'truncated .npy header');
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw new FileFormatError(file, `unsupported .npy format version ${major}`);
  }
  if (buf.length < start + headerLen) throw new FileFormatError(file, 'truncated .npy header');
  const dict = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(dict);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict);
  if (descr === null || fortran === null || shape === null) {
    throw new FileFormatError(file, `cannot read the .npy header ${JSON.stringify(dict.trim())} (structured dtypes are not supported)`);
  }
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new FileFormatError(file, `bad .npy shape (${shape[1]})`);
  return { descr: parseDescr(file, descr[1]), fortranOrder: fortran[1] === 'True', shape: dims, dataOffset: start + headerLen };
}

/** Converts `count` stored elements to numbers; float32 stays float32, everything else becomes float64. */
function convert(file: string, descr: Descr, bytes: Uint8Array, count: number, out: FloatRows, outIndex: (k: number) => number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = descr.littleEndian;
  const { kind, size } = descr;
  for (let k = 0; k < count; k++) {
    const at = k * size;
    let v: number;
    if (kind === 'f')
      v = size === 8 ? view.getFloat64(at, le) : size === 4 ? view.getFloat32(at, le) : halfToNumber(view.getUint16(at, le));
    else if (kind === 'b' || size === 1) v = kind === 'i' ? view.getInt8(at) : view.getUint8(at);
    else if (size === 2) v = kind === 'i' ? view.getInt16(at, le) : view.getUint16(at, le);
    else if (size === 4) v = kind === 'i' ? view.getInt32(at, le) : view.getUint32(at, le);
    else {
      const big = kind === 'i' ? view.getBigInt64(at, le) : view.getBigUint64(at, le);
      v = Number(big);
      if (!Number.isSafeInteger(v)) throw new FileFormatError(file, `value ${big} does not fit a float64 exactly`);
    }
    out[outIndex(k)] = v;
  }
}

class NpySource implements RowSource {
  readonly shape: number[];
  readonly rows: number;
  readonly cols: number | null;
  readonly columnNames = null;
  private row = 0;
  private readonly width: number;

  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly header: NpyHeader,
  ) {
    const { shape } = header;
    this.shape = shape;
    this.rows = shape[0];
    // Rank 3 or more: a row is a whole sample (every axis after the first, in C order).
    this.cols = shape.length >= 2 ? shape.slice(1).reduce((a, b) => a * b, 1) : null;
    this.width = this.cols ?? 1;
  }

  async read(maxRows: number): Promise<FloatRows> {
    const k = Math.min(maxRows, this.rows - this.row);
    const { descr, dataOffset, fortranOrder } = this.header;
    const size = descr.size;
    const width = this.width;
    const count = k * width;
    const native = descr.littleEndian && (descr.name === 'float64' || descr.name === 'float32');
    const out: FloatRows = descr.kind === 'f' && size <= 4 ? new Float32Array(count) : new Float64Array(count);
    if (!fortranOrder || width === 1) {
      // Rows are contiguous: one read. Native float64/float32 is read straight into the result.
      const bytes = native ? new Uint8Array(out.buffer) : new Uint8Array(count * size);
      await this.readExactly(bytes, dataOffset + this.row * width * size);
      if (!native) convert(this.path, descr, bytes, count, out, (i) => i);
    } else {
      // Fortran order: column j of these rows is contiguous; read each and interleave.
      const bytes = new Uint8Array(k * size);
      for (let j = 0; j < width; j++) {
        await this.readExactly(bytes, dataOffset + (j * this.rows + this.row) * size);
        convert(this.path, descr, bytes, k, out, (i) => i * width + j);
      }
    }
    this.row += k;
    return out;
  }

  private async readExactly(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await this.fh.read(bytes, done, bytes.length - done, position + done);
      if (bytesRead === 0) throw new FileFormatError(this.path, 'is truncated: the data is shorter than its header says');
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** The largest rank of a .npy file: the service's dense shapes go up to rank 8. */
export const MAX_NPY_RANK = 8;

export async function openNpy(file: string): Promise<RowSource> {
  const fh = await open(file, 'r');
  try {
    const head = new Uint8Array(12);
    const { bytesRead } = await fh.read(head, 0, 12, 0);
    const major = head[6];
    const len = bytesRead < 12 ? 0 : major === 1 ? head[8] | (head[9] << 8) : Buffer.from(head).readUInt32LE(8);
    const headerBytes = new Uint8Array(Math.min(12 + len, 1 << 20));
    await fh.read(headerBytes, 0, headerBytes.length, 0);
    const header = parseNpyHeader(file, headerBytes.subarray(0, bytesRead < 12 ? bytesRead : headerBytes.length));
    if (header.shape.length < 1 || header.shape.length > MAX_NPY_RANK) {
      throw new FileFormatError(
        file,
        `has shape (${header.shape.join(', ')}); expected (N,), (N, C) or a dense shape (N, C, d1, ...) of rank 3 to ${MAX_NPY_RANK}`,
      );
    }
    if (header.shape.length > 2 && header.fortranOrder) {
      // Its samples would not be contiguous: each would be gathered from every axis's stride.
      throw new FileFormatError(file, `is in Fortran order with rank ${header.shape.length}; save it in C order (numpy.ascontiguousarray)`);
    }
    const elements = header.shape.reduce((a, b) => a * b, 1);
    const { size } = await fh.stat();
    if (size < header.dataOffset + elements * header.descr.size) {
      throw new FileFormatError(file, `is truncated: shape (${header.shape.join(', ')}) needs ${elements * header.descr.size} data bytes`);
    }
    return new NpySource(file, fh, header);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** A version 1.0 header for a C-order little-endian array ('<f8' or '<f4'), padded to 64 bytes. */
export function npyHeader(descr: '<f8' | '<f4' | '<i4' | '<i8' | '|u1' | '<f2', shape: number[]): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + dict.length);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(dict.length, 8);
  out.write(dict, 10, 'latin1');
  return out;
}
