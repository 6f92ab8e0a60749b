/**
 * Writes a float64 .npy file of a known shape in pieces, at their offsets, in any order (chunks
 * finish out of order), so a gradient of any size never has to be held in memory whole.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import '../tensors/dtypes.js'; // little-endian hosts only, checked there
import { npyHeader } from './npy.js';

const SCALE_BLOCK_ELEMENTS = 1 << 17;

export class NpyWriter {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly dataOffset: number,
    readonly elements: number,
  ) {}

  static async create(file: string, shape: number[]): Promise<NpyWriter> {
    const header = npyHeader('<f8', shape);
    const fh = await open(file, 'w+'); // read too: scale() reads back what was written
    try {
      await fh.write(header, 0, header.length, 0);
      const elements = shape.reduce((a, b) => a * b, 1);
      await fh.truncate(header.length + elements * 8);
      return new NpyWriter(file, fh, header.length, elements);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Writes `values` starting at element `offset` (row-major). */
  async write(offset: number, values: Float64Array): Promise<void> {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, this.dataOffset + offset * 8 + done);
      done += bytesWritten;
    }
  }

  /** Multiplies every element by `factor` in place (the 1 / denominator of a mean, known only at the end). */
  async scale(factor: number): Promise<void> {
    if (factor === 1) return;
    const block = new Float64Array(SCALE_BLOCK_ELEMENTS);
    const bytes = new Uint8Array(block.buffer);
    for (let at = 0; at < this.elements; at += SCALE_BLOCK_ELEMENTS) {
      const k = Math.min(SCALE_BLOCK_ELEMENTS, this.elements - at);
      const position = this.dataOffset + at * 8;
      let done = 0;
      while (done < k * 8) {
        const { bytesRead } = await this.fh.read(bytes, done, k * 8 - done, position + done);
        if (bytesRead === 0) throw new Error(`${this.path}: shorter than expected while scaling`);
        done += bytesRead;
      }
      for (let i = 0; i < k; i++) block[i] *= factor;
      await this.write(at, block.subarray(0, k));
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /** Closes and deletes the file: a half-written gradient must not be mistaken for a result. */
  async discard(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
