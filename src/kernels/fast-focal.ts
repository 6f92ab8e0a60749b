/**
 * focalLossFast: the focal-loss kernels in WebAssembly SIMD (assembly/focal-kernels.ts, compiled to
 * focal-kernels.wasm next to the compiled kernels in dist/kernels/), with exactly the contract of
 * focalLoss (focal.ts), which stays the reference and the fallback.
 *
 * Numerics: the WASM kernels evaluate the same stable forms as sigmoid-focal.ts and
 * softmax-focal.ts in float64 (see their headers and the .wasm source's): results agree with the
 * JS kernels to a few ulp (test/kernels/fast-focal.test.ts holds them to that), counts and
 * histograms exactly. Whenever anything in the result is not finite (overflow, or a NaN or
 * infinite input) the batch is recomputed by the JS kernel, so such results are the JS ones
 * bit for bit, nonFinite included.
 *
 * Falls back to focalLoss (JS) when:
 * - WebAssembly SIMD is unavailable (probed with WebAssembly.validate on a tiny SIMD module), the
 *   .wasm file is missing, or FOCAL_KERNELS=js is set in the environment;
 * - the modulating power needs a general pow: gamma that is not an integer 0-4 or a half-integer
 *   up to 4.5, except in binary/multilabel mode with hard labels (0/1, no smoothing), where
 *   x^gamma = exp(-gamma softplus) exactly as the JS kernel does;
 * - inputs of other array types than types.ts allows, a class id >= C, gamma < 0, or an empty batch;
 * - a loss variant: per-class gamma, Poly-1 or the asymmetric loss (the WASM kernels compute
 *   plain focal loss only; the JS kernels compute the variants and their statistics in one pass).
 *
 * Evaluation sums: when the batch asks for calibration or confusion (types.ts EvaluationRequest),
 * the WASM kernels compute them in the same pass and the result carries them as `evaluation`
 * (fast-evaluation.ts); a fallback to JS leaves them out, for evaluated-focal.ts to compute.
 *
 * Memory: one instance per thread (module state, created on first use or by initFastKernels).
 * The batch is walked in chunks (about CHUNK_ELEMENTS elements, chunkPlan): each chunk is copied
 * into fixed WASM buffers (cache-sized), computed, and its gradient and losses copied out to the
 * result (or to gradientOut/lossesOut, which may be views into a SharedArrayBuffer). A dense batch
 * (types.ts `positions` S > 1) keeps its layout [samples, C, S] in the chunk: whole samples, or a
 * range of positions of one sample (one piece per class plane); the kernels walk it with strides.
 * Linear memory therefore grows only with C (statistics) and the chunk size, never with N, and is
 * reused by every later call; it never shrinks (WASM memory cannot), which bounds it by the
 * largest C seen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { focalLoss } from './focal.js';
import { calibrationLength, FusedEvaluation, wantsEvaluation, type EvaluationExports } from './fast-evaluation.js';
import { allHard, sigmoidResult } from './sigmoid-focal.js';
import { POW_EXP, POW_GENERAL, POW_HALF, POW_INTEGER, powerKind } from './power.js';
import { PT_BINS } from 'focal-loss-client/merge';
import { gradientScale, lossDenominator, reduceLossSum } from './reduction.js';
import {
  outputArray,
  positionsOf,
  type FloatArray,
  type KernelBatch,
  type FocalResult,
  type SigmoidBatch,
  type SoftmaxBatch,
  type TargetArray,
} from './types.js';

/** Elements per chunk copied into WASM memory (whole rows; at least one or two rows). */
export const CHUNK_ELEMENTS = 8192;

interface KernelExports extends EvaluationExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  fixedEnd(): number;
  tableBase(): number;
  init(): void;
  layout(a: number, s: number, h: number, coef: number, ex: number, l: number, t: number, w: number, g: number, o: number): void;
  lossSum(): number;
  sigmoidChunk(
    lt: number,
    tt: number,
    rows: number,
    c: number,
    positions: number,
    hasW: number,
    hasA: number,
    kind: number,
    ip: number,
    gamma: number,
    eps: number,
    sc: number,
    wantG: number,
    wantL: number,
    ev: number,
  ): void;
  softmaxChunk(
    lt: number,
    pt: number,
    rows: number,
    c: number,
    positions: number,
    useLabels: number,
    hasW: number,
    hasA: number,
    kind: number,
    ip: number,
    gamma: number,
    eps: number,
    sc: number,
    wantG: number,
    wantL: number,
    ev: number,
  ): void;
}

interface Kernel {
  exports: KernelExports;
  /** First byte after the tables: the batch's buffers start here. */
  region: number;
}

export interface FastKernelInfo {
  /** True when focalLossFast runs the WASM SIMD kernels. */
  wasm: boolean;
  /** Why not, when wasm is false (or 'ok'). */
  reason: string;
  /** The .wasm file loaded, if any. */
  path: string | null;
  /** Current size of this thread's WASM linear memory in bytes (0 without WASM). */
  memoryBytes: number;
}

export interface FastKernelOptions {
  /** Never use WASM (as FOCAL_KERNELS=js does). */
  disable?: boolean;
  /** Where the .wasm file is (default: next to this module, else dist/kernels/ of the package). */
  wasmPath?: string;
  /** The module WebAssembly.validate must accept for SIMD to count as available (tests pass others). */
  simdProbe?: Uint8Array;
}

/**
 * The part of the WebAssembly JS API used here (lib ES2022 and @types/node 20 do not declare it;
 * every Node version this service supports has it).
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: Record<string, unknown>;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  function validate(bytes: Uint8Array): boolean;
}

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)): validates only with SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

const WASM_NAME = 'focal-kernels.wasm';

let kernel: Kernel | null = null;
let info: FastKernelInfo | null = null;

/**
 * The .wasm file for a module at `moduleUrl` (default: this one): next to it when that is the
 * compiled dist/kernels/, else in the package's dist/kernels/ (running from src/ under tsx).
 */
export function defaultWasmPath(moduleUrl: string = import.meta.url): string {
  const beside = fileURLToPath(new URL(`./${WASM_NAME}`, moduleUrl));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL(`../../dist/kernels/${WASM_NAME}`, moduleUrl));
}

/**
 * Loads and instantiates the kernels for this thread (again, when called again: tests use this to
 * switch between WASM and the fallback). Never throws: when WASM cannot be used, the reason is in
 * the returned info and focalLossFast runs the JS kernel.
 */
export function initFastKernels(options: FastKernelOptions = {}): FastKernelInfo {
  kernel = null;
  const path = options.wasmPath ?? defaultWasmPath();
  const off = (reason: string, p: string | null = null): FastKernelInfo => (info = { wasm: false, reason, path: p, memoryBytes: 0 });
  if (options.disable === true || process.env.FOCAL_KERNELS === 'js') return off('disabled (FOCAL_KERNELS=js or disable option)');
  if (!WebAssembly.validate(options.simdProbe ?? SIMD_PROBE)) return off('WebAssembly SIMD is not available');
  if (!existsSync(path)) return off(`${path} not found (run npm run build)`);
  try {
    const module = new WebAssembly.Module(readFileSync(path));
    const exports = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
    // The tables live at fixed addresses below the module's own data (asc --memoryBase).
    if (exports.fixedEnd() > exports.heapBase()) throw new Error('tables overlap the module data (built without --memoryBase?)');
    const region = align(exports.heapBase());
    ensureMemory(exports, region);
    exports.init();
    // The exp tables, from the same formulas as fast-math.ts (so the same bits).
    const tables = new Float64Array(exports.memory.buffer, exports.tableBase(), 32 + 2048);
    for (let j = 0; j < 32; j++) tables[j] = Math.pow(2, j / 32);
    for (let i = 0; i < 2048; i++) tables[32 + i] = Math.pow(2, -i);
    kernel = { exports, region };
  } catch (err) {
    return off(`could not instantiate ${path}: ${(err as Error).message}`, path);
  }
  return (info = { wasm: true, reason: 'ok', path, memoryBytes: kernel.exports.memory.buffer.byteLength });
}

/** Whether the WASM SIMD kernels are in use in this thread (initialising them on first call). */
export function fastKernelInfo(): FastKernelInfo {
  if (info === null) initFastKernels();
  const current = info as FastKernelInfo;
  return { ...current, memoryBytes: kernel === null ? 0 : kernel.exports.memory.buffer.byteLength };
}

/** focalLoss (focal.ts), computed by the WASM SIMD kernels where they apply. */
export function focalLossFast(batch: KernelBatch): FocalResult {
  if (info === null) initFastKernels();
  const k = kernel;
  if (k !== null && batch.n > 0 && batch.c > 0 && batch.gamma >= 0 && Number.isFinite(batch.gamma) && isPlainFocal(batch)) {
    const result = batch.mode === 'multiclass' ? softmaxWasm(k, batch) : sigmoidWasm(k, batch);
    if (result !== null) return result;
  }
  return focalLoss(batch);
}

/** True when the batch is the focal loss the WASM kernels compute: no variant, one gamma. */
function isPlainFocal(batch: KernelBatch): boolean {
  return batch.gammas == null && (batch.polyEpsilon ?? 0) === 0 && batch.asymmetric == null;
}

// ---------------------------------------------------------------- memory

const align = (x: number) => (x + 15) & ~15;

function ensureMemory(exports: KernelExports, bytes: number): void {
  const have = exports.memory.buffer.byteLength;
  if (bytes > have) exports.memory.grow(Math.ceil((bytes - have) / 65536));
}

interface Layout {
  a: number;
  s: number;
  h: number;
  coef: number;
  ex: number;
  l: number;
  t: number;
  w: number;
  g: number;
  o: number;
  /** The fused evaluation's buffers (see fast-evaluation.ts), or null when not asked for. */
  evaluation: FusedEvaluation | null;
}

/**
 * Buffers for a batch with c columns and chunks of `rows` rows, grown into memory as needed;
 * with the evaluation's when the batch asks for them.
 */
function allocate(k: Kernel, batch: KernelBatch, plan: ChunkPlan): Layout {
  const rows = plan.rows;
  const c = batch.c;
  let at = k.region;
  const take = (bytes: number) => {
    const start = at;
    at = align(at + bytes);
    return start;
  };
  // Every buffer has spare elements: a pair may read or write one class past a row, which for a
  // chunk's last sample is up to `positions` elements past the chunk (the kernel's layout).
  const chunk = (rows * c + plan.positions + 2) * 8;
  const evaluate = wantsEvaluation(batch);
  const v = evaluate ? take(calibrationLength(batch) * 8) : 0;
  const r = evaluate && batch.mode === 'multiclass' ? take(rows * 8) : 0;
  const layout: Layout = {
    a: take((c + 2) * 8),
    s: take(5 * c * 8),
    h: take(c * PT_BINS * 8),
    coef: take((c + 2) * 8),
    ex: take((c + 2) * 8),
    l: take(chunk),
    t: take(chunk),
    w: take((rows + 2) * 8),
    g: take(chunk),
    o: take(chunk),
    evaluation: null,
  };
  ensureMemory(k.exports, at);
  const e = k.exports;
  e.layout(layout.a, layout.s, layout.h, layout.coef, layout.ex, layout.l, layout.t, layout.w, layout.g, layout.o);
  if (evaluate) layout.evaluation = new FusedEvaluation(e, batch, v, r);
  // Statistics and histogram start at zero; alpha (when given) is copied by the caller.
  new Float64Array(e.memory.buffer, layout.s, 5 * c).fill(0);
  new Float64Array(e.memory.buffer, layout.h, c * PT_BINS).fill(0);
  return layout;
}

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

/** 0 for float32, 1 for float64, -1 otherwise. */
function floatCode(a: FloatArray): number {
  if (a instanceof Float32Array) return 0;
  if (a instanceof Float64Array) return 1;
  return -1;
}

function floatView(buffer: ArrayBuffer, code: number, byteOffset: number, length: number): Float32Array | Float64Array {
  const ctor: FloatCtor = code === 0 ? Float32Array : Float64Array;
  return new ctor(buffer, byteOffset, length);
}

// ---------------------------------------------------------------- chunks

/**
 * One chunk: rows [row, row + rows), which the kernel reads in the layout [rows / positions, c,
 * positions] (types.ts) from WASM memory. `segments` (from, to, length triples) map the batch's
 * flat arrays shaped like the logits (elements `from`..) onto the chunk's (elements `to`..): one
 * segment of whole samples, or for a sample too large for one chunk, a range of its positions, one
 * segment per class plane. Either way the chunk keeps the request's layout (nothing is transposed,
 * classes stay `positions` apart), and the gradient goes back through the same segments.
 */
interface Chunk {
  row: number;
  rows: number;
  positions: number;
  segments: number[];
}

interface ChunkPlan {
  /** The largest chunk's rows and positions (the buffers' sizes). */
  rows: number;
  positions: number;
  /** S, the batch's positions per sample (for the weights, one per sample). */
  samplePositions: number;
  chunks(): Generator<Chunk>;
}

/**
 * Chunks of about CHUNK_ELEMENTS elements over n rows of c classes, S positions per sample: S = 1,
 * runs of rows (an even number when `evenRows`: the sigmoid kernel pairs rows); c S <= CHUNK_ELEMENTS,
 * whole samples; else position ranges of one sample (even lengths except the last, so pairs of
 * positions stay within a plane).
 */
function chunkPlan(n: number, c: number, s: number, evenRows: boolean): ChunkPlan {
  if (s === 1) {
    const rows = evenRows ? Math.max(2, Math.floor(CHUNK_ELEMENTS / c) & ~1) : Math.max(1, Math.floor(CHUNK_ELEMENTS / c));
    return {
      rows,
      positions: 1,
      samplePositions: 1,
      *chunks() {
        for (let row = 0; row < n; row += rows) {
          const count = Math.min(rows, n - row);
          yield { row, rows: count, positions: 1, segments: [row * c, 0, count * c] };
        }
      },
    };
  }
  const samples = n / s;
  if (c * s <= CHUNK_ELEMENTS) {
    const per = Math.floor(CHUNK_ELEMENTS / (c * s));
    return {
      rows: per * s,
      positions: s,
      samplePositions: s,
      *chunks() {
        for (let a = 0; a < samples; a += per) {
          const count = Math.min(per, samples - a);
          yield { row: a * s, rows: count * s, positions: s, segments: [a * c * s, 0, count * c * s] };
        }
      },
    };
  }
  const span = Math.max(2, Math.floor(CHUNK_ELEMENTS / c) & ~1);
  return {
    rows: span,
    positions: span,
    samplePositions: s,
    *chunks() {
      for (let a = 0; a < samples; a++) {
        for (let p = 0; p < s; p += span) {
          const len = Math.min(span, s - p);
          const segments: number[] = [];
          for (let k = 0; k < c; k++) segments.push((a * c + k) * s + p, k * len, len);
          yield { row: a * s + p, rows: len, positions: len, segments };
        }
      }
    },
  };
}

type Copyable = FloatArray | Uint8Array | Int32Array;

/** The chunk's part of a batch array shaped like the logits into the chunk buffer `view`. */
function copyIn(view: Copyable, source: Copyable, chunk: Chunk): void {
  const seg = chunk.segments;
  for (let i = 0; i < seg.length; i += 3) {
    (view as { set(a: ArrayLike<number>, at: number): void }).set(source.subarray(seg[i], seg[i] + seg[i + 2]), seg[i + 1]);
  }
}

/** The chunk's output buffer `view` back into the batch's array shaped like the logits. */
function copyOut(target: Float64Array, view: Float64Array, chunk: Chunk): void {
  const seg = chunk.segments;
  for (let i = 0; i < seg.length; i += 3) target.set(view.subarray(seg[i + 1], seg[i + 1] + seg[i + 2]), seg[i]);
}

/** One weight per row of the chunk from the batch's one per sample (S positions each). */
function rowWeights(view: Float64Array, weights: FloatArray, chunk: Chunk, s: number): void {
  if (s === 1) {
    view.set(weights.subarray(chunk.row, chunk.row + chunk.rows));
    return;
  }
  for (let i = 0; i < chunk.rows;) {
    const sample = Math.floor((chunk.row + i) / s);
    const end = Math.min(chunk.rows, (sample + 1) * s - chunk.row);
    view.fill(weights[sample], i, end);
    i = end;
  }
}

// ---------------------------------------------------------------- sigmoid

/** 0 f32, 1 f64, 2 u8, 3 i32, -1 for anything else. */
function targetCode(a: TargetArray): number {
  if (a instanceof Uint8Array) return 2;
  if (a instanceof Int32Array) return 3;
  return floatCode(a);
}

function sigmoidWasm(k: Kernel, batch: SigmoidBatch): FocalResult | null {
  const { n, c, gamma, logits, targets, weights, alpha } = batch;
  const eps = batch.labelSmoothing;
  const lt = floatCode(logits);
  const tt = targetCode(targets);
  if (lt < 0 || tt < 0 || (weights !== null && floatCode(weights) < 0)) return null;
  let kind: number = powerKind(gamma, false);
  if (kind === POW_GENERAL) {
    // The JS kernel's log-space power for hard labels; anything else needs Math.pow.
    if (!(eps === 0 && allHard(targets))) return null;
    kind = POW_EXP;
  }
  const ip = kind === POW_INTEGER ? gamma : kind === POW_HALF ? gamma - 0.5 : 0;

  const total = n * c;
  const count = total;
  const denominator = lossDenominator(batch.reduction, batch.normalizer, count);
  const scale = gradientScale(batch.reduction, denominator);
  const gradient = batch.wantGradient ? outputArray(batch.gradientOut, total) : null;
  const losses = batch.wantLosses ? outputArray(batch.lossesOut, total) : null;

  // Chunks of an even number of rows (the kernel pairs rows), about CHUNK_ELEMENTS elements.
  const plan = chunkPlan(n, c, positionsOf(batch), true);
  const lay = allocate(k, batch, plan);
  const e = k.exports;
  const buf = e.memory.buffer;
  if (alpha !== null) new Float64Array(buf, lay.a, c).set(alpha);
  const size = plan.rows * c;
  const lView = floatView(buf, lt, lay.l, size);
  const tView = tt === 2 ? new Uint8Array(buf, lay.t, size) : tt === 3 ? new Int32Array(buf, lay.t, size) : floatView(buf, tt, lay.t, size);
  const wView = new Float64Array(buf, lay.w, plan.rows);
  const gView = new Float64Array(buf, lay.g, size);
  const oView = new Float64Array(buf, lay.o, size);
  const hasW = weights === null ? 0 : 1;
  const hasA = alpha === null ? 0 : 1;
  const wantG = gradient === null ? 0 : 1;
  const wantL = losses === null ? 0 : 1;
  const ev = lay.evaluation === null ? 0 : 1;
  for (const chunk of plan.chunks()) {
    copyIn(lView, logits, chunk);
    copyIn(tView, targets, chunk);
    if (weights !== null) rowWeights(wView, weights, chunk, plan.samplePositions);
    e.sigmoidChunk(lt, tt, chunk.rows, c, chunk.positions, hasW, hasA, kind, ip, gamma, eps, scale, wantG, wantL, ev);
    if (gradient !== null) copyOut(gradient, gView, chunk);
    if (losses !== null) copyOut(losses, oView, chunk);
  }

  const lossSum = e.lossSum();
  const loss = reduceLossSum(batch.reduction, lossSum, denominator);
  const sums = new Float64Array(buf, lay.s, 5 * c);
  const ptHistogram = new Float64Array(buf, lay.h, c * PT_BINS).slice();
  const result = sigmoidResult(sums, c, ptHistogram, { loss, lossSum, count, denominator, gradient, losses });
  // Anything not finite: the JS kernel's answer (and nonFinite) instead, bit for bit.
  if (result.nonFinite !== 0) return null;
  return withEvaluation(result, lay);
}

// ---------------------------------------------------------------- softmax

function softmaxWasm(k: Kernel, batch: SoftmaxBatch): FocalResult | null {
  const { n, c, gamma, logits, labels, probabilities, weights, alpha } = batch;
  const lt = floatCode(logits);
  const pt = probabilities === null ? 1 : floatCode(probabilities);
  if (lt < 0 || pt < 0 || (labels === null && probabilities === null) || (weights !== null && floatCode(weights) < 0)) return null;
  const kind = powerKind(gamma, false);
  if (kind !== 0 && kind !== POW_INTEGER && kind !== POW_HALF) return null;
  const ip = kind === POW_INTEGER ? gamma : kind === POW_HALF ? gamma - 0.5 : 0;

  let count = 0;
  if (labels !== null) {
    for (let i = 0; i < n; i++) {
      const label = labels[i];
      if (label >= c) return null; // not a class: the JS kernel's behaviour, whatever it is
      if (label >= 0) count++;
    }
  } else {
    count = n;
  }
  const denominator = lossDenominator(batch.reduction, batch.normalizer, count);
  const scale = gradientScale(batch.reduction, denominator);
  const gradient = batch.wantGradient ? outputArray(batch.gradientOut, n * c) : null;
  const losses = batch.wantLosses ? outputArray(batch.lossesOut, n) : null;

  const plan = chunkPlan(n, c, positionsOf(batch), false);
  const rows = plan.rows;
  const lay = allocate(k, batch, plan);
  const e = k.exports;
  const buf = e.memory.buffer;
  if (alpha !== null) new Float64Array(buf, lay.a, c).set(alpha);
  // Chunk views with their spare elements (zeroed after each copy: a pair may read them).
  const spare = plan.positions + 2;
  const lView = floatView(buf, lt, lay.l, rows * c + spare);
  const pView = probabilities === null ? null : floatView(buf, pt, lay.t, rows * c + spare);
  const labelView = labels === null ? null : new Int32Array(buf, lay.t, rows);
  const wView = new Float64Array(buf, lay.w, rows);
  const gView = new Float64Array(buf, lay.g, rows * c);
  const oView = new Float64Array(buf, lay.o, rows);
  const hasW = weights === null ? 0 : 1;
  const hasA = alpha === null ? 0 : 1;
  const wantG = gradient === null ? 0 : 1;
  const wantL = losses === null ? 0 : 1;
  const ev = lay.evaluation === null ? 0 : 1;
  for (const chunk of plan.chunks()) {
    const { row } = chunk;
    const rowEnd = row + chunk.rows;
    const len = chunk.rows * c;
    copyIn(lView, logits, chunk);
    lView.fill(0, len, len + chunk.positions + 2);
    if (pView !== null) {
      copyIn(pView, probabilities as FloatArray, chunk);
      pView.fill(0, len, len + chunk.positions + 2);
    }
    if (labelView !== null) labelView.set((labels as Int32Array).subarray(row, rowEnd));
    if (weights !== null) rowWeights(wView, weights, chunk, plan.samplePositions);
    e.softmaxChunk(
      lt,
      pt,
      chunk.rows,
      c,
      chunk.positions,
      labels === null ? 0 : 1,
      hasW,
      hasA,
      kind,
      ip,
      gamma,
      batch.labelSmoothing,
      scale,
      wantG,
      wantL,
      ev,
    );
    lay.evaluation?.countChunk(chunk.rows);
    if (gradient !== null) copyOut(gradient, gView, chunk);
    // Multiclass losses are one per row, in row order whatever the layout.
    if (losses !== null) losses.set(chunk.rows === oView.length ? oView : oView.subarray(0, chunk.rows), row);
  }

  const lossSum = e.lossSum();
  const loss = reduceLossSum(batch.reduction, lossSum, denominator);
  const sums = new Float64Array(buf, lay.s, 5 * c);
  const column = (j: number) => sums.slice(j * c, (j + 1) * c);
  const stats = {
    support: column(0),
    lossSum: column(1),
    posLossSum: null,
    negLossSum: null,
    tp: column(2),
    fp: column(3),
    fn: column(4),
    ptHistogram: new Float64Array(buf, lay.h, c * PT_BINS).slice(),
  };
  let finiteCheck = loss - loss;
  for (let j = 0; j < c; j++) finiteCheck += stats.lossSum[j] - stats.lossSum[j];
  if (finiteCheck !== 0) return null;
  return withEvaluation({ loss, lossSum, count, denominator, gradient, losses, stats, nonFinite: 0 }, lay);
}

// ---------------------------------------------------------------- evaluation

/**
 * The result with the fused evaluation sums (when computed), or null, for the JS kernel and pass
 * instead, if a sum is not finite (only for inputs the decoder refuses).
 */
function withEvaluation(result: FocalResult, lay: Layout): FocalResult | null {
  if (lay.evaluation === null) return result;
  const evaluation = lay.evaluation.finish();
  const [brier, nll] = evaluation.scoreSums;
  return brier - brier + (nll - nll) === 0 ? { ...result, evaluation } : null;
}
