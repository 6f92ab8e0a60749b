/**
 * Kernel result -> the POST /loss response body. Flat float64 arrays are reshaped to the
 * request's shapes as JSON number arrays, or sent as encoded tensors (base64 of float64 or
 * float32 little-endian bytes) for `encoding: "base64"`. Every number is checked to be finite
 * first, because a non-finite number can only mean float64 overflow of the inputs' scale (or a
 * value beyond the float32 range the client asked for), which is the client's to fix (422).
 */
import { ProblemError } from '../errors/problem-error.js';
import type { FocalResult } from '../kernels/types.js';
import type { EncodedTensor } from '../schemas/encoded-tensor.js';
import type { LossResponse } from '../schemas/loss-response.js';
import { base64Length, encodeBase64, writeBase64 } from './base64.js';
import type { DecodedLossRequest, ResponseEncoding } from './decode-loss-request.js';
import { OVERFLOW_DETAIL, reportStats, sweepEntries } from 'focal-loss-client/merge';
import { narrowToFloat32 } from './dtypes.js';
import { gradientOut, lossesOut } from './dense-shapes.js';

/** A result with a non-finite number can only come from float64 overflow of the inputs' scale (422). */
export function assertFiniteResult(result: FocalResult): void {
  if (result.nonFinite > 0) throw new ProblemError('result-not-finite', OVERFLOW_DETAIL);
}

/** How an encoded tensor's bytes become its `data` text: base64 now, or a placeholder for later. */
export type TensorText = (bytes: ArrayBufferView) => string;

export function encodeLossResponse(decoded: DecodedLossRequest, result: FocalResult, text: TensorText = encodeBase64): LossResponse {
  assertFiniteResult(result);
  const { meta, outputs, classNames, encoding } = decoded;
  const { n, c } = meta;
  const body = { loss: result.loss } as LossResponse;
  const { dense } = decoded;
  if (outputs.has('gradient') && result.gradient !== null) {
    const g =
      dense === null ? { values: result.gradient, shape: meta.mode === 'binary' ? [n] : [n, c] } : gradientOut(result.gradient, dense);
    body.gradient = shaped(g.values, g.shape, encoding, text);
  }
  if (outputs.has('losses') && result.losses !== null) {
    const l =
      dense === null ? { values: result.losses, shape: meta.mode === 'multilabel' ? [n, c] : [n] } : lossesOut(result.losses, dense);
    body.losses = shaped(l.values, l.shape, encoding, text);
  }
  if (outputs.has('stats')) {
    body.stats = reportStats(meta.mode, result.stats, result.count, n, {
      classNames,
      classBalanceBeta: decoded.classBalanceBeta,
      columnBins: outputs.has('column_calibration'),
    });
  }
  if (decoded.sweep !== null) body.sweep = sweepEntries(decoded.sweep, meta.reduction, c, result.denominator, result.stats);
  body.meta = { ...meta, count: result.count, denominator: result.denominator };
  return body;
}

function shaped(flat: Float64Array, shape: number[], encoding: ResponseEncoding, text: TensorText): number[] | number[][] | EncodedTensor {
  if (encoding !== 'json') return encodeTensor(flat, shape, encoding, text);
  if (shape.length === 1) return Array.from(flat);
  if (shape.length > 2) return nested(flat, shape, 0, 0) as number[][];
  // Plain loops: Array.from over one subarray per row costs several times as much for small rows.
  const [n, c] = shape;
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: number[] = new Array(c);
    for (let j = 0, off = i * c; j < c; j++) row[j] = flat[off + j];
    rows[i] = row;
  }
  return rows;
}

/** Dense results (rank 3 to 8) as nested JSON arrays: the block of `shape[depth:]` starting at `offset`. */
/** Nested arrays of `shape` from flat row-major values (dense results; the CLI's dense files too). */
export function nested(flat: ArrayLike<number>, shape: number[], depth = 0, offset = 0): unknown[] {
  const size = shape[depth];
  if (depth === shape.length - 1) return Array.from({ length: size }, (_, i) => flat[offset + i]);
  const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
  return Array.from({ length: size }, (_, i) => nested(flat, shape, depth + 1, offset + i * stride));
}

/** A float64 result as an encoded tensor of `dtype`; float32 must hold every value finitely. The float64 array is consumed. */
export function encodeTensor(
  flat: Float64Array,
  shape: number[],
  dtype: 'float32' | 'float64',
  text: TensorText = encodeBase64,
): EncodedTensor {
  if (dtype === 'float64') return { dtype, shape, data: text(flat) };
  const narrow = narrowToFloat32(flat);
  if (!(narrow instanceof Float32Array)) {
    throw new ProblemError(
      'result-not-finite',
      `a result (${narrow.beyond}) is beyond the float32 range; ask for dtype "float64" or scale the inputs down`,
    );
  }
  return { dtype, shape, data: text(narrow) };
}

/**
 * The POST /loss answer's bytes. Encoded tensors keep their bytes until the output buffer is
 * written, where their base64 goes straight in, a piece at a time: no string as long as a
 * tensor's text is built (a 43 MB gradient would otherwise exist as a string and then again as
 * bytes).
 */
export function lossResponseBytes(decoded: DecodedLossRequest, result: FocalResult): Buffer {
  const tensors = new Map<string, ArrayBufferView>();
  const body = encodeLossResponse(decoded, result, (bytes) => {
    const key = `\u0000bytes ${tensors.size}`;
    tensors.set(key, bytes);
    return key;
  });
  return serializeLossResponse(body, tensors);
}

/**
 * The response body as the UTF-8 bytes of its JSON text. The same text as JSON.stringify(body),
 * but an encoded tensor's base64 data (tens of megabytes for a large batch) is written into the
 * output buffer directly rather than concatenated into one string first: the rest is stringified
 * with short placeholders, and the pieces are written one after another into a buffer of the
 * exact size (base64 needs no JSON escaping). A tensor whose `data` is a key of `tensors` is
 * written as the base64 of those bytes. No string as long as the answer is ever built.
 */
export function serializeLossResponse(body: LossResponse, tensors: ReadonlyMap<string, ArrayBufferView> = new Map()): Buffer {
  const data: (string | ArrayBufferView)[] = [];
  const placeholder = (t: unknown) => {
    if (t === undefined || Array.isArray(t)) return t;
    const text = (t as EncodedTensor).data;
    data.push(tensors.get(text) ?? text);
    return { ...(t as EncodedTensor), data: `\u0000tensor ${data.length - 1}` };
  };
  const json = JSON.stringify({ ...body, gradient: placeholder(body.gradient), losses: placeholder(body.losses) });
  if (data.length === 0) return Buffer.from(json, 'utf8');
  const pieces: (string | ArrayBufferView)[] = [];
  let from = 0;
  for (let k = 0; k < data.length; k++) {
    // JSON.stringify writes NUL as the escape \u0000. Only a class name could hold the same
    // text, and stats come after gradient and losses, so the first match is the placeholder.
    const marker = `"\\u0000tensor ${k}"`;
    const at = json.indexOf(marker, from);
    pieces.push(json.slice(from, at) + '"', data[k], '"');
    from = at + marker.length;
  }
  pieces.push(json.slice(from));
  let length = 0;
  for (const piece of pieces) length += typeof piece === 'string' ? Buffer.byteLength(piece, 'utf8') : base64Length(piece.byteLength);
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const piece of pieces) at += typeof piece === 'string' ? out.write(piece, at, 'utf8') : writeBase64(piece, out, at);
  return out;
}
