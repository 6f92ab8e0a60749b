/**
 * Computes chunks on this machine with the service's own kernels and worker pool (FocalPool):
 * each chunk's arrays are transferred to a worker thread, several chunks run at once.
 */
import { availableParallelism } from 'node:os';
import { FocalPool } from '../pool/focal-pool.js';
import type { FloatArray } from '../kernels/types.js';
import { kernelBatch } from '../tensors/check-batch.js';
import { OVERFLOW_DETAIL } from 'focal-loss-client/merge';
import { CliError } from './cli-error.js';
import type { Backend, Chunk, ChunkOutcome } from './chunk.js';
import type { ChunkPlan } from './settings.js';

export class LocalBackend implements Backend {
  readonly retries = 0;
  readonly description: string;
  readonly concurrency: number;
  private readonly pool: FocalPool;
  private readonly ownPool: boolean;

  /** With `pool`, chunks run on that pool (kept open); otherwise on a new one of `concurrency` threads. */
  constructor(
    private readonly plan: ChunkPlan,
    concurrency: number | undefined,
    pool?: FocalPool,
  ) {
    this.ownPool = pool === undefined;
    this.concurrency = concurrency ?? pool?.size ?? Math.max(1, Math.min(8, availableParallelism()));
    this.pool = pool ?? new FocalPool({ size: this.concurrency, maxQueue: this.concurrency });
    const threads = this.pool.size;
    this.description = `local, ${threads} worker thread${threads === 1 ? '' : 's'}`;
  }

  async run(chunk: Chunk, signal: AbortSignal): Promise<ChunkOutcome> {
    // Dense chunks are whole samples in the files' layout, walked in place (positions S).
    const batch = { ...kernelBatch(this.plan.chunk, chunk.rows, chunk.data), positions: chunk.dense?.positions ?? 1 };
    // Each chunk gets its own copy: the arrays of a kernel batch are transferred to the worker.
    batch.alpha = batch.alpha === null ? null : (batch.alpha.slice() as FloatArray);
    const result = await this.pool.run(batch, signal);
    if (result.nonFinite > 0) throw new CliError(`rows ${chunk.row0}..${chunk.row0 + chunk.rows - 1}: ${OVERFLOW_DETAIL}`);
    return {
      partial: { lossSum: result.lossSum, count: result.count, stats: result.stats },
      gradient: result.gradient,
      losses: result.losses,
    };
  }

  async close(): Promise<void> {
    if (this.ownPool) await this.pool.close();
  }
}
