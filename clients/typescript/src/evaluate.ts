/**
 * A batch of any size on the service: its rows are sent in chunks under the service's element
 * limit, several in flight, each computed with reduction `sum` (or `none`) and its raw per-class
 * counters, then merged exactly (merge/merge-results.ts, the same merge the service's CLI uses) and
 * reduced once, as one POST /loss over the whole batch would be. A chunk the service still finds too
 * large (413) is halved, and later chunks keep the smaller size.
 */
import type { LossRequest, LossResponse, Meta, Mode, Output, Reduction, Stats, SweepEntry } from './api.js';
import { encodeTensor, toFloat64, type TensorArray } from './encoded-tensor.js';
import { FocalLossError } from './errors.js';
import { rawStatsFromReport, ResultMerger, isFiniteMerge, type PartialResult } from './merge/merge-results.js';
import { denominatorSource, OVERFLOW_DETAIL } from './merge/reduction.js';
import { sweepEntries } from './merge/sweep-report.js';

/** Elements (N x C) per chunk by default: far under the service's MAX_ELEMENTS default (16 Mi), a few MB per request. */
export const DEFAULT_CHUNK_ELEMENTS = 262_144;
/** Chunks in flight at once by default. */
export const DEFAULT_CONCURRENCY = 4;
/** The request schema's default reduction (LossRequest `reduction`, `default: mean`; a test holds the two together). */
export const DEFAULT_REDUCTION: Reduction = 'mean';

/**
 * A tensor: a typed array (one axis), JSON numbers (a list or rows of equal length), or data with
 * its shape (row-major; the first axis is the rows, N).
 */
export type TensorInput = TensorArray | number[] | number[][] | { data: TensorArray | number[]; shape: number[] };

/** What `evaluate` needs to send one chunk: the client's POST /loss. */
export interface LossCaller {
  loss(request: LossRequest, options?: { signal?: AbortSignal; requestId?: string }): Promise<LossResponse>;
}

export interface EvaluateOptions extends Omit<LossRequest, 'logits' | 'targets' | 'weights' | 'encoding' | 'dtype'> {
  /** Per-row weights [N]. */
  weights?: TensorInput;
  /** Largest N x C of one request (default DEFAULT_CHUNK_ELEMENTS); at least one row per chunk. */
  chunkElements?: number;
  /** Chunks in flight at once (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Each chunk's x-request-id is this, a dash and the chunk's first row. */
  requestId?: string;
  /** After each chunk: rows done so far, and N. */
  onProgress?: (rowsDone: number, rows: number) => void;
}

/** What one POST /loss over the whole batch answers, with the gradient and losses as flat float64 arrays. */
export interface Evaluation {
  loss: number;
  /** d(loss)/d(logits), row-major, the logits' shape (for reduction `none`, of the sum); when asked for. */
  gradient?: Float64Array;
  /** Per-element (binary, multilabel) or per-row (multiclass) losses, row-major; with reduction `none`. */
  losses?: Float64Array;
  stats?: Stats;
  sweep?: SweepEntry[];
  meta: Meta;
  /** Requests whose answers were merged (chunks). */
  requests: number;
}

/** One chunk's answer, ready to merge: raw counters (PartialResult) and its gradient and losses, if any. */
export interface ChunkAnswer {
  partial: PartialResult;
  /** Gradient of the chunk's loss sum, row-major; null unless asked for. */
  gradient: Float64Array | null;
  /** Per-element (binary, multilabel) or per-row (multiclass) losses; null unless reduction is none. */
  losses: Float64Array | null;
}

/** A chunk's /loss answer (computed with reduction `sum` or `none`, with stats) -> what the merge adds. */
export function chunkAnswer(mode: Mode, res: LossResponse): ChunkAnswer {
  if (res.stats === undefined) throw new FocalLossError('the service answered a chunk without stats: they cannot be merged', 0, 'no-stats');
  return {
    partial: { lossSum: res.loss, count: res.meta.count, stats: rawStatsFromReport(mode, res.stats, res.sweep) },
    gradient: res.gradient === undefined ? null : toFloat64(res.gradient),
    losses: res.losses === undefined ? null : toFloat64(res.losses),
  };
}

interface Tensor {
  name: string;
  data: TensorArray;
  shape: number[];
  /** Elements per row (the product of the shape after its first axis). */
  rowSize: number;
}

function tensor(name: string, input: TensorInput): Tensor {
  let data: TensorArray;
  let shape: number[];
  if (ArrayBuffer.isView(input)) {
    data = input;
    shape = [input.length];
  } else if (Array.isArray(input)) {
    const rows = input as unknown[];
    if (rows.length > 0 && Array.isArray(rows[0])) {
      const width = (rows[0] as number[]).length;
      if (rows.some((row) => !Array.isArray(row) || row.length !== width)) throw new RangeError(`${name}: rows of unequal length`);
      data = Float64Array.from((rows as number[][]).flat());
      shape = [rows.length, width];
    } else {
      data = Float64Array.from(rows as number[]);
      shape = [rows.length];
    }
  } else {
    data = Array.isArray(input.data) ? Float64Array.from(input.data) : input.data;
    shape = input.shape;
    const elements = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 0 || elements !== data.length) {
      throw new RangeError(`${name}: shape [${shape.join(', ')}] has ${elements} elements; the data has ${data.length}`);
    }
  }
  return { name, data, shape, rowSize: shape.slice(1).reduce((a, b) => a * b, 1) };
}

/** Rows [r0, r1) of a tensor in the wire form (base64 of its own dtype). */
function rows(t: Tensor, r0: number, r1: number) {
  return encodeTensor(t.data.subarray(r0 * t.rowSize, r1 * t.rowSize) as TensorArray, [r1 - r0, ...t.shape.slice(1)]);
}

interface Done extends ChunkAnswer {
  r0: number;
  rows: number;
  meta: Meta;
  sweep: SweepEntry[] | undefined;
}

export async function evaluate(
  client: LossCaller,
  logitsInput: TensorInput,
  targetsInput: TensorInput,
  options: EvaluateOptions,
): Promise<Evaluation> {
  const { weights: weightsInput, chunkElements, concurrency, signal, requestId, onProgress, ...settings } = options;
  const logits = tensor('logits', logitsInput);
  const targets = tensor('targets', targetsInput);
  const weights = weightsInput === undefined ? null : tensor('weights', weightsInput);
  const n = logits.shape[0];
  // Chunks are cut by rows of every tensor alike: a tensor with other rows would be cut wrongly, not refused.
  for (const t of [targets, weights]) {
    if (t !== null && t.shape[0] !== n) throw new RangeError(`${t.name} has ${t.shape[0]} rows; logits has ${n}`);
  }
  const reduction = settings.reduction ?? DEFAULT_REDUCTION;
  const normalizer = settings.normalizer ?? null;
  // Each chunk: the batch's settings with reduction sum (none stays none) and no normalizer (the merged sum is
  // divided once), stats always (the raw counters the merge adds), class names kept for the merged report.
  const { normalizer: _normalizer, class_names: classNames, ...shared } = settings;
  const wantStats = settings.outputs === undefined || settings.outputs.includes('stats');
  // A multilabel chunk also brings each label's own calibration bins: without them the merge has pooled bins only
  // and no classwise_ece (merge/merge-results.ts rawStatsFromReport).
  const chunkOutputs = [...(settings.outputs ?? defaultOutputs(reduction)), 'stats' as const];
  if (settings.mode === 'multilabel' && wantStats) chunkOutputs.push('column_calibration');
  const outputs = [...new Set(chunkOutputs)];
  const chunkSettings = {
    ...shared,
    reduction: reduction === 'none' ? 'none' : 'sum',
    encoding: 'base64',
    dtype: 'float64',
    outputs,
  } as const;

  let chunkRows = Math.max(1, Math.floor((chunkElements ?? DEFAULT_CHUNK_ELEMENTS) / Math.max(1, logits.rowSize)));
  const limit = Math.max(1, concurrency ?? DEFAULT_CONCURRENCY);
  const abort = new AbortController();
  const combined = signal === undefined ? abort.signal : AbortSignal.any([signal, abort.signal]);
  const pending: [number, number][] = [];
  let next = 0;
  // An empty batch is still sent once, so the service refuses it in its own words.
  let sentEmpty = n > 0;
  const take = (): [number, number] | null => {
    const split = pending.shift();
    if (split !== undefined) return split;
    if (next < n) {
      const r0 = next;
      next = Math.min(n, next + chunkRows);
      return [r0, next];
    }
    if (!sentEmpty) {
      sentEmpty = true;
      return [0, 0];
    }
    return null;
  };
  const done: Done[] = [];
  let rowsDone = 0;
  let failure: { error: unknown } | null = null;

  const send = async ([r0, r1]: [number, number]): Promise<void> => {
    const body = {
      ...chunkSettings,
      logits: rows(logits, r0, r1),
      targets: rows(targets, r0, r1),
      ...(weights === null ? {} : { weights: rows(weights, r0, r1) }),
    } as LossRequest;
    let res: LossResponse;
    try {
      res = await client.loss(body, { signal: combined, ...(requestId === undefined ? {} : { requestId: `${requestId}-${r0}` }) });
    } catch (err) {
      if (err instanceof FocalLossError && err.status === 413 && r1 - r0 > 1) {
        // Too large for this service (its MAX_ELEMENTS or BODY_LIMIT is lower): halves, and smaller chunks from now on.
        const half = r0 + Math.ceil((r1 - r0) / 2);
        chunkRows = Math.min(chunkRows, half - r0);
        pending.unshift([r0, half], [half, r1]);
        return;
      }
      // Which rows: the problem's pointers and element indices are the chunk's own.
      if (err instanceof FocalLossError && err.status !== 0) {
        throw new FocalLossError(`rows ${r0}..${r1 - 1}: ${err.message}`, err.status, err.code, err.problem);
      }
      throw err;
    }
    done.push({ ...chunkAnswer(settings.mode, res), r0, rows: r1 - r0, meta: res.meta, sweep: res.sweep });
    rowsDone += r1 - r0;
    onProgress?.(rowsDone, n);
  };

  const worker = async (): Promise<void> => {
    for (let range = take(); range !== null && failure === null; range = take()) {
      try {
        await send(range);
      } catch (error) {
        if (failure === null) {
          failure = { error };
          abort.abort(error);
        }
      }
    }
  };
  // A worker that found nothing to take ends; a 413 split is taken by the worker that split it.
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  const report: MergedReport = {
    mode: settings.mode,
    reduction,
    normalizer,
    classNames: classNames ?? null,
    classBalanceBeta: settings.class_balance_beta,
    wantStats,
    columnBins: settings.outputs?.includes('column_calibration') ?? false,
  };
  return merge(report, logits, done);
}

/** The service's default outputs (the request schema's `outputs`), which an explicit list would otherwise drop. */
function defaultOutputs(reduction: Reduction): Output[] {
  return reduction === 'none' ? ['loss', 'gradient', 'stats', 'losses'] : ['loss', 'gradient', 'stats'];
}

/** What the merged answer reports, as one request over the whole batch would. */
interface MergedReport {
  mode: Mode;
  reduction: Reduction;
  normalizer: number | null;
  classNames: string[] | null;
  classBalanceBeta: number | undefined;
  wantStats: boolean;
  /** Multilabel: report each label's own calibration bins (the user asked for "column_calibration"). */
  columnBins: boolean;
}

/** The chunks' answers, in row order, merged into one batch's. */
function merge(report: MergedReport, logits: Tensor, done: Done[]): Evaluation {
  const { mode, reduction, normalizer, classNames, classBalanceBeta, wantStats, columnBins } = report;
  done.sort((a, b) => a.r0 - b.r0);
  const first = done[0];
  const n = done.reduce((sum, d) => sum + d.meta.n, 0);
  const merger = new ResultMerger(mode, first.meta.c);
  for (const d of done) merger.add(d.partial);
  const merged = merger.finish({ reduction, normalizer, n, classNames, classBalanceBeta, columnBins });
  const sweep =
    first.sweep === undefined
      ? undefined
      : sweepEntries({ settings: first.sweep }, reduction, first.meta.c, merged.denominator, merged.raw);
  let gradient: Float64Array | undefined;
  if (first.gradient !== null) {
    gradient = new Float64Array(logits.data.length);
    for (const d of done) gradient.set(d.gradient as Float64Array, d.r0 * logits.rowSize);
    if (merged.gradientScale !== 1) for (let i = 0; i < gradient.length; i++) gradient[i] *= merged.gradientScale;
  }
  let losses: Float64Array | undefined;
  if (first.losses !== null) {
    const width = done.reduce((sum, d) => sum + (d.losses as Float64Array).length, 0) / logits.shape[0];
    losses = new Float64Array(width * logits.shape[0]);
    for (const d of done) losses.set(d.losses as Float64Array, d.r0 * width);
  }
  if (!isFiniteMerge(merged, sweep) || (gradient !== undefined && !gradient.every(Number.isFinite))) {
    throw new FocalLossError(`result-not-finite: ${OVERFLOW_DETAIL}`, 0, 'result-not-finite');
  }
  const meta: Meta = {
    ...first.meta,
    reduction,
    n,
    count: merged.count,
    denominator: merged.denominator,
    denominator_source: denominatorSource(reduction, normalizer),
  };
  // In the service's order: loss, gradient, losses, stats, sweep, meta.
  return {
    loss: merged.loss,
    ...(gradient === undefined ? {} : { gradient }),
    ...(losses === undefined ? {} : { losses }),
    ...(wantStats ? { stats: merged.stats } : {}),
    ...(sweep === undefined ? {} : { sweep }),
    meta,
    requests: done.length,
  };
}
