/**
 * `focal-loss eval`: reads the files chunk by chunk, checks shapes before anything is computed
 * or sent, computes chunks locally (worker pool) or on a service (several requests in flight),
 * and merges them exactly into one result shaped like a /loss response.
 */
import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { openSource } from '../files/open-source.js';
import { NpyWriter } from '../files/npy-writer.js';
import { FileFormatError, rowWidth, type RowSource } from '../files/row-source.js';
import type { FocalPool } from '../pool/focal-pool.js';
import type { EvalResponse, EvalResult } from '../report/eval-result.js';
import { isFiniteMerge, OVERFLOW_DETAIL, ResultMerger, sweepEntries, type PartialResult } from 'focal-loss-client/merge';
import { nested } from '../tensors/encode-loss-response.js';
import { CliError } from './cli-error.js';
import type { Backend, Chunk } from './chunk.js';
import { DEFAULT_CHUNK_ELEMENTS, DEFAULT_REMOTE_CONCURRENCY, type EvalOptions } from './eval-options.js';
import { LocalBackend } from './local-backend.js';
import { RemoteBackend } from './remote-backend.js';
import { checkChunk, planChunks } from './settings.js';
import type { TargetFormat } from '../tensors/loss-settings.js';

export interface EvalHooks {
  /** Called after each chunk with the rows done and the total. */
  onProgress?: (rowsDone: number, rows: number) => void;
  /** Local compute on this pool (left open) instead of a pool of its own, e.g. for many evaluations in one process. */
  pool?: FocalPool;
}

interface Shapes {
  n: number;
  c: number;
  targetFormat: TargetFormat;
  /** Files of rank 3 or more (.npy): their layout; n counts positions (N x S rows). */
  dense?: DenseFiles;
}

interface DenseFiles {
  samples: number;
  /** S = d1 x ... x dk. */
  positions: number;
  logitsShape: number[];
  targetsShape: number[];
  /** The shape `losses` come back in: [N, d...] (multiclass, one per position) or the logits'. */
  lossesShape: number[];
}

/**
 * Dense files (reference README, "Dense shapes"): logits (N, C, d1, ..., dk) (binary (N, d1, ...,
 * dk)), targets (N, d1, ..., dk) of class ids or the logits' shape, weights (N,), one per sample.
 */
function resolveDenseShapes(options: EvalOptions, logits: RowSource, targets: RowSource, weights: RowSource | null): Shapes {
  const { mode } = options;
  const shape = logits.shape as number[];
  const mismatch = (detail: string) => new CliError(`shape mismatch: ${detail}`);
  const dims = (s: number[] | undefined, source: RowSource) => (s === undefined ? describe(source) : `(${s.join(', ')})`);
  const samples = shape[0];
  const c = mode === 'binary' ? 1 : shape[1];
  const spatial = shape.slice(mode === 'binary' ? 1 : 2);
  const positions = spatial.reduce((a, b) => a * b, 1);
  if (samples === 0 || c === 0 || positions === 0) throw mismatch(`${logits.path} has shape ${dims(shape, logits)}; no dimension may be 0`);
  const same = (a: number[] | undefined, b: number[]) => a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
  const idsShape = [samples, ...spatial];
  const classIds = mode === 'multiclass' && same(targets.shape, idsShape);
  if (!classIds && !same(targets.shape, shape)) {
    const wanted =
      mode === 'multiclass' ? `(${idsShape.join(', ')}) (class ids) or (${shape.join(', ')}) (probabilities)` : `(${shape.join(', ')})`;
    throw mismatch(
      `${targets.path} has shape ${dims(targets.shape, targets)}; with logits ${dims(shape, logits)} targets must be ${wanted} (.npy)`,
    );
  }
  if (weights !== null && (weights.rows !== samples || rowWidth(weights) !== 1))
    throw mismatch(`${weights.path} has shape ${describe(weights)}; weights are one value per sample (${samples},)`);
  return {
    n: samples * positions,
    c,
    targetFormat: mode !== 'multiclass' ? 'labels' : classIds ? 'class_ids' : 'probabilities',
    dense: {
      samples,
      positions,
      logitsShape: shape,
      targetsShape: classIds ? idsShape : shape,
      lossesShape: mode === 'multiclass' ? idsShape : shape,
    },
  };
}

function describe(source: RowSource): string {
  return source.cols === null ? `(${source.rows},)` : `(${source.rows}, ${source.cols})`;
}

/** The files' shapes against the mode: N and C, and what the targets are. */
export function resolveShapes(options: EvalOptions, logits: RowSource, targets: RowSource, weights: RowSource | null): Shapes {
  const { mode } = options;
  // Rank 3 or more (binary: logits (N, d1, d2, ...)): a dense batch, in whole samples.
  if ((logits.shape?.length ?? 0) >= 3) return resolveDenseShapes(options, logits, targets, weights);
  const n = logits.rows;
  const mismatch = (detail: string) => new CliError(`shape mismatch: ${detail}`);
  if (n === 0) throw mismatch(`${logits.path} has no rows`);
  if (targets.rows !== n) throw mismatch(`${targets.path} has ${targets.rows} rows; ${logits.path} has ${n}`);
  if (weights !== null && weights.rows !== n) throw mismatch(`${weights.path} has ${weights.rows} rows; ${logits.path} has ${n}`);
  if (weights !== null && rowWidth(weights) !== 1)
    throw mismatch(`${weights.path} has shape ${describe(weights)}; weights are one value per row (N,)`);
  const c = rowWidth(logits);
  const tw = rowWidth(targets);
  if (mode === 'binary') {
    if (c !== 1)
      throw mismatch(
        `binary mode takes logits of shape (N,); ${logits.path} has ${describe(logits)} (use --mode multilabel or multiclass)`,
      );
    if (tw !== 1) throw mismatch(`binary mode takes targets of shape (N,); ${targets.path} has ${describe(targets)}`);
    return { n, c, targetFormat: 'labels' };
  }
  if (mode === 'multilabel') {
    if (tw !== c)
      throw mismatch(
        `${targets.path} has shape ${describe(targets)}; multilabel targets must be (N, C) like ${logits.path} ${describe(logits)}`,
      );
    return { n, c, targetFormat: 'labels' };
  }
  if (logits.cols === null) throw mismatch(`multiclass mode takes logits of shape (N, C); ${logits.path} has ${describe(logits)}`);
  if (tw === 1 && (targets.cols === null || c !== 1)) return { n, c, targetFormat: 'class_ids' };
  if (tw === c) return { n, c, targetFormat: 'probabilities' };
  throw mismatch(`${targets.path} has shape ${describe(targets)}; multiclass targets are class ids (N,) or probability rows (N, ${c})`);
}

async function loadClassNames(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new FileFormatError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  if (path.extname(file).toLowerCase() === '.json') {
    let names: unknown;
    try {
      names = JSON.parse(text);
    } catch {
      throw new FileFormatError(file, 'is not valid JSON');
    }
    if (!Array.isArray(names) || !names.every((s) => typeof s === 'string'))
      throw new FileFormatError(file, 'must be a JSON array of strings');
    return names as string[];
  }
  return text
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export async function evaluate(options: EvalOptions, hooks: EvalHooks = {}): Promise<EvalResult> {
  const started = performance.now();
  const sources: RowSource[] = [];
  let backend: Backend | null = null;
  let writer: NpyWriter | null = null;
  let ok = false;
  try {
    const logits = await openSource(options.logits);
    sources.push(logits);
    const targets = await openSource(options.targets);
    sources.push(targets);
    const weights = options.weights === undefined ? null : await openSource(options.weights);
    if (weights !== null) sources.push(weights);
    const { n, c, targetFormat, dense } = resolveShapes(options, logits, targets, weights);
    // Rows of the files per chunk: positions for 2-D files; whole samples of S positions for dense ones.
    const s = dense?.positions ?? 1;

    let classNames: string[] | null = null;
    if (options.classNames !== undefined) classNames = await loadClassNames(options.classNames);
    else if (logits.columnNames !== null && logits.columnNames.length === c && options.mode !== 'binary') classNames = logits.columnNames;
    const wantGradient = options.gradientOut !== undefined;
    const plan = planChunks(options, { n, c, targetFormat }, classNames, wantGradient);
    const chunkRows = Math.max(1, Math.floor((options.chunkRows ?? Math.max(1, Math.floor(DEFAULT_CHUNK_ELEMENTS / c))) / s)) * s;
    backend =
      options.url === undefined
        ? new LocalBackend(plan, options.concurrency, hooks.pool)
        : new RemoteBackend(plan, {
            url: options.url,
            apiKey: options.apiKey,
            timeoutMs: options.timeoutMs,
            wire: options.wire,
            concurrency: options.concurrency ?? DEFAULT_REMOTE_CONCURRENCY,
          });
    if (options.gradientOut !== undefined)
      writer = await NpyWriter.create(options.gradientOut, dense?.logitsShape ?? (options.mode === 'binary' ? [n] : [n, c]));
    const lossWidth = options.mode === 'multilabel' ? c : 1;
    const losses = options.reduction === 'none' ? new Float64Array(n * lossWidth) : null;

    // Chunks are read in order on this thread and computed concurrently; partial results are
    // kept by chunk index and merged in order, so the output does not depend on timing.
    const partials: PartialResult[] = [];
    const inFlight = new Set<Promise<void>>();
    const abort = new AbortController();
    // Every chunk in flight listens to this signal (its request or worker task, its retry wait).
    setMaxListeners(backend.concurrency * 4 + 10, abort.signal);
    let failure: unknown = null;
    let rowsDone = 0;
    let index = 0;
    const files = { logits: options.logits, targets: options.targets, weights: options.weights };
    for (let row0 = 0; row0 < n && failure === null; row0 += chunkRows) {
      while (inFlight.size >= backend.concurrency) await Promise.race(inFlight);
      if (failure !== null) break;
      const rows = Math.min(chunkRows, n - row0);
      // A dense file's rows are samples: the chunk's rows / S of them.
      const fileRows = rows / s;
      const read = {
        row0,
        rows,
        logits: await logits.read(fileRows),
        targets: await targets.read(fileRows),
        weights: weights === null ? null : await weights.read(fileRows),
      };
      const chunkDense =
        dense === undefined
          ? undefined
          : {
              positions: s,
              logitsShape: [fileRows, ...dense.logitsShape.slice(1)],
              targetsShape: [fileRows, ...dense.targetsShape.slice(1)],
            };
      const chunk: Chunk = {
        index: index++,
        row0,
        rows,
        data: checkChunk(plan, read, files, chunkDense),
        ...(chunkDense === undefined ? {} : { dense: chunkDense }),
      };
      const task = backend
        .run(chunk, abort.signal)
        .then(async (outcome) => {
          partials[chunk.index] = outcome.partial;
          if (writer !== null && outcome.gradient !== null) await writer.write(chunk.row0 * c, outcome.gradient);
          if (losses !== null && outcome.losses !== null) losses.set(outcome.losses, chunk.row0 * lossWidth);
          rowsDone += chunk.rows;
          hooks.onProgress?.(rowsDone, n);
        })
        .catch((err: unknown) => {
          if (failure === null) {
            failure = err;
            abort.abort(err);
          }
        });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    }
    await Promise.all(inFlight);
    if (failure !== null) throw failure;

    const merger = new ResultMerger(options.mode, c);
    for (const part of partials) merger.add(part);
    const merged = merger.finish({
      reduction: options.reduction,
      normalizer: options.normalizer ?? null,
      n,
      classNames,
      classBalanceBeta: plan.settings.classBalanceBeta,
    });
    const sweep =
      plan.settings.sweep === null ? undefined : sweepEntries(plan.settings.sweep, options.reduction, c, merged.denominator, merged.raw);
    if (!isFiniteMerge(merged, sweep)) throw new CliError(OVERFLOW_DETAIL);
    if (writer !== null) {
      await writer.scale(merged.gradientScale);
      await writer.close();
    }
    const meta = { ...plan.settings.meta, n, count: merged.count, denominator: merged.denominator };
    // In the service's order: loss, losses (reduction none), stats, sweep, meta.
    const response: EvalResponse = {
      loss: merged.loss,
      // Shaped as the service answers: per-row (binary, multiclass) or rows of C (multilabel); dense
      // files: nested in the targets' shape (multiclass) or the logits'.
      ...(losses === null
        ? {}
        : {
            losses:
              dense !== undefined
                ? (nested(losses, dense.lossesShape) as number[][])
                : lossWidth === 1
                  ? Array.from(losses)
                  : Array.from({ length: n }, (_, i) => Array.from(losses.subarray(i * c, (i + 1) * c))),
          }),
      stats: merged.stats,
      ...(sweep === undefined ? {} : { sweep }),
      meta,
    };
    ok = true;
    return {
      response,
      raw: merged.raw,
      chunks: partials.length,
      retries: backend.retries,
      elapsedMs: performance.now() - started,
      backend: backend.description,
    };
  } catch (err) {
    if (err instanceof FileFormatError) throw new CliError(err.message);
    throw err;
  } finally {
    if (!ok && writer !== null) await writer.discard();
    await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
    if (backend !== null) await backend.close();
  }
}
