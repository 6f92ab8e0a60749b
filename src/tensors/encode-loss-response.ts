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
import { encodeBase64 } from './base64.js';
import type { DecodedLossRequest, ResponseEncoding } from './decode-loss-request.js';
import { reportStats } from './class-stats.js';

export function encodeLossResponse(decoded: DecodedLossRequest, result: FocalResult): LossResponse {
  if (result.nonFinite > 0) {
    throw new ProblemError(
      'result-not-finite',
      'the loss or its gradient overflows float64 for these inputs; scale down the logits, weights or 1/normalizer',
    );
  }
  const { meta, outputs, classNames, encoding } = decoded;
  const { n, c } = meta;
  const body = { loss: result.loss } as LossResponse;
  if (outputs.has('gradient') && result.gradient !== null) {
    body.gradient = shaped(result.gradient, meta.mode === 'binary' ? [n] : [n, c], encoding);
  }
  if (outputs.has('losses') && result.losses !== null) {
    body.losses = shaped(result.losses, meta.mode === 'multilabel' ? [n, c] : [n], encoding);
  }
  if (outputs.has('stats')) body.stats = reportStats(meta.mode, result.stats, result.count, n, classNames);
  body.meta = { ...meta, count: result.count, denominator: result.denominator };
  return body;
}

function shaped(flat: Float64Array, shape: number[], encoding: ResponseEncoding): number[] | number[][] | EncodedTensor {
  if (encoding !== 'json') return encodeTensor(flat, shape, encoding);
  if (shape.length === 1) return Array.from(flat);
  const [n, c] = shape;
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(flat.subarray(i * c, (i + 1) * c));
  return rows;
}

/** A float64 result as an encoded tensor of `dtype`; float32 must hold every value finitely. */
export function encodeTensor(flat: Float64Array, shape: number[], dtype: 'float32' | 'float64'): EncodedTensor {
  if (dtype === 'float64') return { dtype, shape, data: encodeBase64(flat) };
  const narrow = new Float32Array(flat);
  for (let i = 0; i < narrow.length; i++) {
    const v = narrow[i];
    if (v - v !== 0) {
      throw new ProblemError(
        'result-not-finite',
        `a result of ${flat[i]} is beyond the float32 range; ask for dtype "float64" or scale the inputs down`,
      );
    }
  }
  return { dtype, shape, data: encodeBase64(narrow) };
}
