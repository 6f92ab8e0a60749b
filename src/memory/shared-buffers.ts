/**
 * Reusable shared memory: request bodies on their way to a worker (app.ts), and the arrays of
 * batches computed on several workers at once (pool/focal-pool.ts). On the machines measured,
 * first-touching freshly mapped memory cost ~4 ms per MB, so copying a 53 MB body into a new
 * buffer on the main thread took ~220 ms; copying it into memory used before takes ~5 ms. A
 * body is read into a SharedArrayBuffer from here, the worker reads it in place (nothing is
 * cloned or transferred), and the buffer comes back when the request is done. At most
 * `maxRetainedBytes` are kept; anything else is left to the garbage collector.
 */
export class SharedBuffers {
  private readonly free: SharedArrayBuffer[] = [];
  private retained = 0;

  constructor(private readonly maxRetainedBytes: number) {}

  /** A buffer of at least `bytes` bytes: a free one no more than twice that size, or a new one. */
  acquire(bytes: number): SharedArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i].byteLength;
      if (size >= bytes && size <= 2 * Math.max(bytes, 65536) && (best < 0 || size < this.free[best].byteLength)) best = i;
    }
    if (best >= 0) {
      const [buffer] = this.free.splice(best, 1);
      this.retained -= buffer.byteLength;
      return buffer;
    }
    // Rounded up to a power of two (from 64 KiB), so buffers are reused across similar sizes.
    return new SharedArrayBuffer(2 ** Math.ceil(Math.log2(Math.max(bytes, 65536))));
  }

  /** Every free buffer, to lend to one task (which gives them all back with release). */
  takeAll(): SharedArrayBuffer[] {
    const all = this.free.splice(0);
    this.retained = 0;
    return all;
  }

  /** Gives a buffer back once nothing reads it any more. */
  release(buffer: SharedArrayBuffer): void {
    if (this.retained + buffer.byteLength > this.maxRetainedBytes || this.free.includes(buffer)) return;
    this.free.push(buffer);
    this.retained += buffer.byteLength;
  }

  get retainedBytes(): number {
    return this.retained;
  }
}
