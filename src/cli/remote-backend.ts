/**
 * Computes chunks on a focal-loss service: each chunk is one POST /loss with its tensors
 * base64-encoded (or, with --wire json, as JSON arrays), asking for the loss sum, the raw
 * per-class counters and, when wanted, the gradient as a float64 tensor. Retries (429/503
 * with Retry-After, dropped connections) are the client's.
 */
import { FocalLossClient } from '../client/focal-loss-client.js';
import { encodeTensor, toFloat64, type EncodedTensor } from '../client/encoded-tensor.js';
import type { Mode } from '../kernels/types.js';
import type { LossRequest, Output, Reduction } from '../schemas/loss-request.js';
import { rawStatsFromReport } from '../tensors/merge-results.js';
import { CliError } from './cli-error.js';
import type { Backend, Chunk, ChunkOutcome } from './chunk.js';
import type { Settings } from './settings.js';

export interface RemoteOptions {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  wire: 'binary' | 'json';
  concurrency: number;
}

type Wire = number[] | number[][] | EncodedTensor;

export class RemoteBackend implements Backend {
  retries = 0;
  readonly description: string;
  readonly concurrency: number;
  private readonly client: FocalLossClient;
  private readonly outputs: Output[];

  constructor(
    private readonly mode: Mode,
    private readonly c: number,
    private readonly reduction: Reduction,
    private readonly settings: Settings,
    wantGradient: boolean,
    private readonly options: RemoteOptions,
  ) {
    this.concurrency = options.concurrency;
    this.description = `${options.url}, ${options.concurrency} request${options.concurrency === 1 ? '' : 's'} in flight, ${options.wire} wire`;
    this.client = new FocalLossClient({
      url: options.url,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
      onRetry: () => void this.retries++,
    });
    this.outputs = ['loss', 'stats'];
    if (wantGradient) this.outputs.push('gradient');
    if (reduction === 'none') this.outputs.push('losses');
  }

  /** A typed array -> the wire form: a base64 tensor, or JSON numbers (rows of c when it is a matrix). */
  private wire(values: ArrayLike<number> & { length: number }, matrix: boolean, tensor: () => EncodedTensor): Wire {
    if (this.options.wire === 'binary') return tensor();
    const flat = Array.from(values);
    if (!matrix) return flat;
    const rows: number[][] = [];
    for (let i = 0; i < flat.length; i += this.c) rows.push(flat.slice(i, i + this.c));
    return rows;
  }

  async run(chunk: Chunk, signal: AbortSignal): Promise<ChunkOutcome> {
    const { mode, c } = this;
    const matrix = mode !== 'binary';
    const shape = matrix ? [chunk.rows, c] : [chunk.rows];
    const body: Record<string, unknown> = {
      ...this.settings.request,
      reduction: this.reduction === 'none' ? 'none' : 'sum',
      outputs: this.outputs,
      logits: this.wire(chunk.logits, matrix, () => encodeTensor(chunk.logits, shape)),
      targets:
        chunk.classIds !== null
          ? this.wire(chunk.classIds, false, () => encodeTensor(chunk.classIds as Int32Array, [chunk.rows]))
          : this.wire(chunk.targets as ArrayLike<number>, matrix, () => encodeTensor(chunk.targets as Float64Array, shape)),
    };
    if (chunk.weights !== null) body.weights = this.wire(chunk.weights, false, () => encodeTensor(chunk.weights as Float64Array, [chunk.rows]));
    if (this.options.wire === 'binary') {
      body.encoding = 'base64';
      body.dtype = 'float64';
    }
    let res;
    try {
      res = await this.client.loss(body as unknown as LossRequest, { signal, requestId: `focal-loss-eval-${process.pid}-${chunk.index}` });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new CliError(`service error on rows ${chunk.row0}..${chunk.row0 + chunk.rows - 1}: ${(err as Error).message}`);
    }
    if (res.stats === undefined || res.stats.classes.some((k) => k.pt_histogram === undefined)) {
      throw new CliError(`the service at ${this.options.url} answered without stats.classes[].pt_histogram: it is older than this command`);
    }
    return {
      partial: { lossSum: res.loss, count: res.meta.count, stats: rawStatsFromReport(mode, res.stats) },
      gradient: res.gradient === undefined ? null : toFloat64(res.gradient as Wire),
      losses: res.losses === undefined ? null : toFloat64(res.losses as Wire),
    };
  }

  async close(): Promise<void> {}
}
