/**
 * Computes chunks on this machine with the service's own kernels and worker pool (FocalPool):
 * each chunk's arrays are transferred to a worker thread, several chunks run at once.
 */
import { availableParallelism } from 'node:os';
import { FocalPool } from '../pool/focal-pool.js';
import type { FloatArray, FocalProblem, Mode } from '../kernels/types.js';
import type { Reduction } from '../schemas/loss-request.js';
import { CliError } from './cli-error.js';
import type { Backend, Chunk, ChunkOutcome } from './chunk.js';
import type { Settings } from './settings.js';

export class LocalBackend implements Backend {
  readonly retries = 0;
  readonly description: string;
  readonly concurrency: number;
  private readonly pool: FocalPool;
  private readonly ownPool: boolean;

  /** With `pool`, chunks run on that pool (kept open); otherwise on a new one of `concurrency` threads. */
  constructor(
    private readonly mode: Mode,
    private readonly c: number,
    private readonly reduction: Reduction,
    private readonly settings: Settings,
    private readonly wantGradient: boolean,
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
    const { mode, c, settings } = this;
    const common = {
      n: chunk.rows,
      c,
      logits: chunk.logits,
      weights: chunk.weights,
      // Each chunk gets its own copy: the arrays of a problem are transferred to the worker.
      alpha: settings.alpha === null ? null : (settings.alpha.slice() as FloatArray),
      gamma: settings.gamma,
      labelSmoothing: settings.labelSmoothing,
      reduction: this.reduction === 'none' ? ('none' as const) : ('sum' as const),
      normalizer: null,
      wantGradient: this.wantGradient,
      wantLosses: this.reduction === 'none',
    };
    let problem: FocalProblem;
    if (mode === 'multiclass') {
      let labels: Int32Array | null = null;
      if (chunk.classIds !== null) {
        // The kernel marks ignored rows with -1.
        labels = chunk.classIds;
        for (let i = 0; i < labels.length; i++) if (labels[i] === settings.ignoreIndex) labels[i] = -1;
      }
      problem = { mode, ...common, labels, probabilities: labels === null ? chunk.targets : null };
    } else {
      problem = { mode, ...common, targets: chunk.targets as FloatArray };
    }
    const result = await this.pool.run(problem, signal);
    if (result.nonFinite > 0) {
      throw new CliError(
        `rows ${chunk.row0}..${chunk.row0 + chunk.rows - 1}: the loss or its gradient overflows float64; scale down the logits or weights`,
      );
    }
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
