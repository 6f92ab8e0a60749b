/**
 * Shared memory for the arrays of a batch that may be computed on several workers at once
 * (kernels/split-batch.ts), handed out from buffers the pool lends to the task.
 *
 * Why not simply `new SharedArrayBuffer`: such memory is freed only once every thread that saw
 * it has garbage-collected its handle, and the main thread (which passes the batch from worker
 * to worker) allocates so little that it rarely collects. Measured: one 8M-element request at a
 * time grew the process by ~100 MB per request, to 1.1 GB, before a collection freed it. The
 * pool therefore lends the buffers of earlier batches to each task (pool/focal-pool.ts), takes
 * them back with any the task had to create, and lends them again: the same memory is reused,
 * whatever the garbage collectors do.
 *
 * The lending is scoped to one synchronous task (withBatchMemory), so module state is safe: a
 * worker runs one task at a time.
 */

/** Buffers are created in powers of two from 1 MiB, so they fit later batches of similar size. */
const MIN_BUFFER = 1024 * 1024;

interface Lending {
  lent: (SharedArrayBuffer | null)[];
  created: SharedArrayBuffer[];
}

let current: Lending | null = null;

/**
 * Runs `task` with `lent` buffers to allocate from; returns its value and the buffers it had to
 * create (the caller gives those to the pool along with the lent ones).
 */
export function withBatchMemory<T>(lent: SharedArrayBuffer[], task: () => T): { value: T; created: SharedArrayBuffer[] } {
  const lending: Lending = { lent: [...lent], created: [] };
  current = lending;
  try {
    return { value: task(), created: lending.created };
  } finally {
    current = null;
  }
}

/** Whether arrays allocated now should be shared (a task that may be split is running). */
export function sharingBatchMemory(): boolean {
  return current !== null;
}

/**
 * `bytes` bytes of shared memory at offset 0, as a view of exactly that length (its buffer may
 * be larger), holding whatever an earlier batch left there: every user overwrites it (decoded
 * tensors, copies of inputs) or clears its own part (kernel outputs, kernels/types.ts).
 */
export function sharedBytes(bytes: number): Uint8Array {
  const lending = current;
  if (lending !== null) {
    let best = -1;
    for (let i = 0; i < lending.lent.length; i++) {
      const size = lending.lent[i]?.byteLength ?? -1;
      if (size >= bytes && size <= 2 * Math.max(bytes, MIN_BUFFER) && (best < 0 || size < lending.lent[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const buffer = lending.lent[best]!;
      lending.lent[best] = null;
      return new Uint8Array(buffer, 0, bytes);
    }
  }
  const buffer = new SharedArrayBuffer(2 ** Math.ceil(Math.log2(Math.max(bytes, MIN_BUFFER))));
  lending?.created.push(buffer);
  return new Uint8Array(buffer, 0, bytes);
}
