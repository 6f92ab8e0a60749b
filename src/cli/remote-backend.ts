/**
 * Computes chunks on a focal-loss service: each chunk is one POST /loss with its tensors
 * base64-encoded (or, with --wire json, as JSON arrays), asking for the loss sum, the raw
 * per-class counters and, when wanted, the gradient as a float64 tensor. The client package
 * (focal-loss-client) sends it, with its retries (429/503 with Retry-After, dropped connections),
 * and turns the answer into what the merge adds (chunkAnswer), as its own chunked evaluate does.
 */
import { chunkAnswer, encodeTensor, FocalLossClient, type EncodedTensor, type LossRequest } from 'focal-loss-client';
import { nested } from '../tensors/encode-loss-response.js';
import { CliError } from './cli-error.js';
import type { Backend, Chunk, ChunkOutcome } from './chunk.js';
import type { ChunkPlan } from './settings.js';

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

  constructor(
    private readonly plan: ChunkPlan,
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
  }

  /**
   * A typed array -> the wire form: a base64 tensor of `shape`, or JSON numbers (rows when the
   * shape has two axes, nested arrays of its rank for a dense shape).
   */
  private wire(values: Float64Array | Float32Array | Int32Array | Uint8Array, shape: number[]): Wire {
    if (this.options.wire === 'binary') return encodeTensor(values, shape);
    const flat = Array.from(values);
    if (shape.length === 1) return flat;
    if (shape.length > 2) return nested(flat, shape) as Wire;
    const width = shape[1];
    const rows: number[][] = [];
    for (let i = 0; i < flat.length; i += width) rows.push(flat.slice(i, i + width));
    return rows;
  }

  async run(chunk: Chunk, signal: AbortSignal): Promise<ChunkOutcome> {
    const { mode, meta } = this.plan.chunk;
    const { data, rows, dense } = chunk;
    // Dense chunks go as the files have them ([samples, C, d1, ...]): the service walks them in place.
    const matrix = dense !== undefined ? dense.logitsShape : mode === 'binary' ? [rows] : [rows, meta.c];
    const ids = dense !== undefined ? dense.targetsShape : [rows];
    const body: Record<string, unknown> = {
      ...this.plan.request,
      logits: this.wire(data.logits, matrix),
      targets: data.labels !== null ? this.wire(data.labels, ids) : this.wire((data.targets ?? data.probabilities) as Float64Array, matrix),
    };
    if (data.weights !== null) body.weights = this.wire(data.weights, [dense === undefined ? rows : matrix[0]]);
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
    return chunkAnswer(mode, res);
  }

  async close(): Promise<void> {}
}
