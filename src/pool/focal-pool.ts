/**
 * The worker-thread pool that runs focal-loss kernels. Typed arrays go to the worker by
 * transfer and come back by transfer. A full queue is the client-visible "overloaded" problem
 * (503 + Retry-After), never piscina's own error. Batches of at most `inlineMaxElements`
 * elements are computed on the calling thread: for them the round trip to a worker (message,
 * wake-up, transfer both ways, promise) takes longer than the kernel itself.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ProblemError } from '../errors/problem-error.js';
import type { FocalProblem, FocalResult } from '../kernels/types.js';
import { problemBuffers } from './focal-task.js';
import { focalLoss } from '../kernels/focal.js';

// worker.ts under tap/tsx, worker.js once compiled to dist/.
const ext = path.extname(fileURLToPath(import.meta.url));
export const WORKER_URL = new URL(`../worker${ext}`, import.meta.url);

export interface FocalPoolOptions {
  size: number;
  maxQueue: number;
  /** Batches of at most this many elements run on the calling thread (default 0: none). */
  inlineMaxElements?: number;
}

export class FocalPool {
  private readonly pool: Piscina;
  private readonly inlineMaxElements: number;
  private closing = false;

  constructor(options: FocalPoolOptions) {
    this.inlineMaxElements = options.inlineMaxElements ?? 0;
    this.pool = new Piscina({
      filename: WORKER_URL.href,
      minThreads: options.size,
      maxThreads: options.size,
      maxQueue: options.maxQueue,
      idleTimeout: Infinity,
      // Workers inherit the parent's execArgv (loaders under tap/tsx); nothing else is shared.
    });
    // A worker that dies is replaced by piscina; its task's promise rejects on its own.
    this.pool.on('error', () => {});
  }

  get size(): number {
    return this.pool.options.maxThreads;
  }

  get queueSize(): number {
    return this.pool.queueSize;
  }

  get utilization(): number {
    return this.pool.utilization;
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Runs a problem on a worker. The problem's arrays are transferred and unusable afterwards. */
  async run(problem: FocalProblem, signal?: AbortSignal): Promise<FocalResult> {
    if (this.closing) throw new ProblemError('unavailable', 'the service is shutting down; retry on another instance', { headers: { 'retry-after': '1' } });
    if (problem.n * problem.c <= this.inlineMaxElements) return focalLoss(problem);
    try {
      return (await this.pool.run(problem, { transferList: problemBuffers(problem), signal })) as FocalResult;
    } catch (err) {
      if (err instanceof Error && /queue is at limit/i.test(err.message)) throw overloaded(this.pool.queueSize);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.pool.close();
  }
}

function overloaded(queued: number): ProblemError {
  return new ProblemError('overloaded', `all workers are busy and ${queued} requests are waiting; retry shortly`, {
    headers: { 'retry-after': '1' },
  });
}
