/**
 * The worker-thread pool that runs focal-loss work: kernels on decoded batches (small bodies),
 * and whole requests from body bytes to answer bytes (large or compressed bodies), a large batch
 * split by rows over every idle worker. Bytes and typed arrays go to the worker by transfer and
 * come back by transfer; a split batch lives in shared memory. A full queue is the client-visible "overloaded" problem
 * (503 + Retry-After), never piscina's own error; an aborted task (timeout, client gone) is
 * removed from the queue or its worker is replaced; a worker that throws, exits or runs out
 * of memory fails only its own task, and piscina starts a new worker. Batches of at most
 * `inlineMaxElements` elements are computed on the calling thread: for them the round trip to
 * a worker (message, wake-up, transfer both ways, promise) takes longer than the kernel itself.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ProblemError } from '../errors/problem-error.js';
import type { KernelBatch, FocalResult } from '../kernels/types.js';
import { ownedBuffers, batchBuffers } from './focal-task.js';
import { focalLossFast } from '../kernels/fast-focal.js';
import { evaluatedFocal } from '../kernels/evaluated-focal.js';
import { batchPart, mergeParts, partRanges, type PartResult } from '../kernels/split-batch.js';
import type { Answer, BatchInfo, PreparedRequest } from '../pipeline/answer.js';
import { SharedBuffers } from '../memory/shared-buffers.js';
import type { RequestOutcome, RequestTask, SettledOutcome } from '../pipeline/request-task.js';
import type { PoolTask } from './pool-task.js';

// worker-entry.cts under tap/tsx, worker-entry.cjs once compiled to dist/ (worker-entry.cts says why not worker.ts).
const ext = path.extname(fileURLToPath(import.meta.url));
export const WORKER_URL = new URL(`../worker-entry${ext === '.ts' ? '.cts' : '.cjs'}`, import.meta.url);

export interface FocalPoolOptions {
  size: number;
  maxQueue: number;
  /** Heap limit per worker in MiB (0: Node's default). */
  maxOldGenerationMb?: number;
  /** The worker module. Only tests pass another one (to inject faults); the service never does. */
  workerUrl?: URL;
  /** Called with errors of workers that are not tied to a task. */
  onWorkerError?: (err: unknown) => void;
  /** How long close() waits for running tasks before terminating the workers (default 30 s). */
  closeTimeoutMs?: number;
  /** Batches of at most this many elements run on the calling thread (default 0: none). */
  inlineMaxElements?: number;
  /**
   * Batches of at least this many elements are split by rows over the workers idle when their
   * body has been decoded (default 0: never split).
   */
  splitMinElements?: number;
  /** Shared memory of split batches kept for reuse, in bytes (default 0: none kept). */
  batchMemoryBytes?: number;
  /** The workers' nice value (pool/thread-priority.ts), 0-19 (default 0: the main thread's priority). */
  workerNice?: number;
}

/**
 * A request handled in the workers: its answer, or the problem to answer with; and what batch it
 * was, once it was computed (a result can be computed and then refused, e.g. a 422 overflow).
 */
export type RequestAnswer = { answer: Answer; info: BatchInfo } | { problem: ProblemError; info: BatchInfo | null };

export class FocalPool {
  private readonly pool: Piscina;
  private readonly maxQueue: number;
  private readonly inlineMaxElements: number;
  private readonly splitMinElements: number;
  /** Split batches' shared memory, lent to the next ones (memory/batch-memory.ts says why). */
  private readonly batchMemory: SharedBuffers;
  private closing = false;
  /** Tasks submitted and not yet settled (running or waiting). */
  private inFlight = 0;

  constructor(options: FocalPoolOptions) {
    this.inlineMaxElements = options.inlineMaxElements ?? 0;
    this.splitMinElements = options.splitMinElements ?? 0;
    this.batchMemory = new SharedBuffers(options.batchMemoryBytes ?? 0);
    this.pool = new Piscina({
      filename: (options.workerUrl ?? WORKER_URL).href,
      minThreads: options.size,
      maxThreads: options.size,
      // No maxQueue: the queue bound is kept in submit(), in one place (see there).
      idleTimeout: Infinity,
      ...(options.maxOldGenerationMb ? { resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationMb } } : {}),
      closeTimeout: options.closeTimeoutMs ?? 30_000,
      workerData: { nice: options.workerNice ?? 0 },
      // Workers inherit the parent's execArgv (loaders under tap/tsx); nothing else is shared.
    });
    this.maxQueue = options.maxQueue;
    this.pool.on('error', (err) => options.onWorkerError?.(err));
  }

  get size(): number {
    return this.pool.options.maxThreads;
  }

  /** Tasks waiting for a worker. */
  get queueSize(): number {
    return Math.max(0, this.inFlight - this.size);
  }

  /**
   * The share of workers computing right now, 0..1 (piscina's own `utilization` is a mean
   * since start-up, which hides a saturated pool behind a quiet past).
   */
  get utilization(): number {
    return Math.min(this.inFlight, this.size) / this.size;
  }

  /** Shared memory of earlier split batches, kept to lend to the next ones. */
  get retainedBatchMemoryBytes(): number {
    return this.batchMemory.retainedBytes;
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Workers with nothing to do right now. */
  private get idle(): number {
    return Math.max(0, this.size - this.inFlight);
  }

  /**
   * Runs a decoded batch on a worker. The batch's arrays are transferred and unusable
   * afterwards. When `signal` aborts, the promise rejects with the signal's reason if it is a
   * ProblemError (the caller decides: timeout, client gone), else with a timeout problem.
   */
  async run(batch: KernelBatch, signal?: AbortSignal): Promise<FocalResult> {
    this.refuseWhenClosing();
    // The workers' kernel, so a batch gets the same numbers wherever it runs.
    if (batch.n * batch.c <= this.inlineMaxElements) return evaluatedFocal(batch, focalLossFast);
    return this.submit<FocalResult>({ kind: 'kernel', batch }, batchBuffers(batch), signal);
  }

  /**
   * Handles a request from its body bytes (transferred) to its answer's bytes in the workers.
   * A batch of at least splitMinElements, decoded while other workers are idle, comes back in
   * shared memory and is computed in row ranges on every worker idle at that moment (never on
   * a busy one, so a split does not hold up queued requests), then merged and encoded.
   */
  async runRequest(task: Omit<RequestTask, 'kind' | 'shareFromElements' | 'lent'>, signal?: AbortSignal): Promise<RequestAnswer> {
    this.refuseWhenClosing();
    // Sharing pays only if another worker is free besides the one that decodes the body.
    const shareFromElements = this.idle >= 2 && this.splitMinElements > 0 ? this.splitMinElements : 0;
    const lent = shareFromElements > 0 ? this.batchMemory.takeAll() : [];
    const memory = { reusable: [...lent], done: false };
    try {
      const outcome = await this.submit<RequestOutcome>(
        { ...task, kind: 'request', shareFromElements, lent },
        ownedBuffers([task.bytes]),
        signal,
      );
      if (outcome.kind === 'prepared') memory.reusable.push(...outcome.created);
      const answered = outcome.kind === 'prepared' ? await this.runShared(outcome.prepared, signal) : settled(outcome);
      memory.done = true;
      return answered;
    } finally {
      // Only once the request settled normally can no worker still be writing into its memory:
      // after a failure (an aborted part's worker may still be running) it is left to the GC.
      if (memory.done) for (const buffer of memory.reusable) this.batchMemory.release(buffer);
    }
  }

  /** A batch in shared memory, computed in row ranges on every idle worker, merged and answered. */
  private async runShared(prepared: PreparedRequest, signal: AbortSignal | undefined): Promise<RequestAnswer> {
    const batch = prepared.decoded.batch;
    const ranges = partRanges(batch, Math.max(1, this.idle));
    let result: FocalResult | null = null;
    if (ranges.length > 1) {
      const parts = await Promise.all(
        ranges.map(([start, end]) => this.submit<PartResult>({ kind: 'part', batch: batchPart(batch, start, end) }, [], signal)),
      );
      result = mergeParts(batch, parts);
    }
    const answered = settled(await this.submit<SettledOutcome>({ kind: 'answer', prepared, result }, [], signal));
    if (ranges.length > 1 && answered.info !== null) answered.info = { ...answered.info, parts: ranges.length };
    return answered;
  }

  private refuseWhenClosing(): void {
    if (this.closing) throw shuttingDown();
  }

  /** One task on a worker, within the queue bound, its failures mapped to problems. */
  private async submit<T>(task: PoolTask, transferList: ArrayBuffer[], signal: AbortSignal | undefined): Promise<T> {
    // The queue bound is kept here, not by piscina's maxQueue: piscina parks a task that carries
    // an AbortSignal, and every task of the service has one, in a queue its maxQueue does not
    // count. Piscina is left unbounded, so its own "queue is at limit" error cannot occur.
    if (this.inFlight >= this.size + this.maxQueue) throw overloaded(this.queueSize);
    this.inFlight++;
    try {
      return (await this.pool.run(task, { transferList, signal })) as T;
    } catch (err) {
      if (signal?.aborted) {
        const reason: unknown = signal.reason;
        throw reason instanceof ProblemError ? reason : new ProblemError('timeout', 'the computation was aborted: it took too long');
      }
      throw err;
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.pool.close();
  }
}

/** A worker's settled outcome as the answer to send, or the problem to throw. */
export function settled(outcome: SettledOutcome): RequestAnswer {
  return outcome.kind === 'answer' ? outcome : { problem: ProblemError.fromData(outcome.problem), info: outcome.info };
}

/** The answer to work, or a readiness probe, arriving once the service is shutting down. */
export function shuttingDown(): ProblemError {
  return new ProblemError('unavailable', 'the service is shutting down; retry on another instance', { headers: { 'retry-after': '1' } });
}

function overloaded(queued: number): ProblemError {
  return new ProblemError('overloaded', `all workers are busy and ${queued} requests are waiting; retry shortly`, {
    headers: { 'retry-after': '1' },
  });
}
