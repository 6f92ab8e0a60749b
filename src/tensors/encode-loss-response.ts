/**
 * Kernel result -> the POST /loss response body. Flat float64 arrays are reshaped to the
 * request's shapes; every number is checked to be finite first, because a non-finite number
 * can only mean float64 overflow of the inputs' scale, which is the client's to fix (422).
 */
import { ProblemError } from '../errors/problem-error.js';
import type { FocalResult } from '../kernels/types.js';
import type { LossResponse } from '../schemas/loss-response.js';
import type { DecodedLossRequest } from './decode-loss-request.js';
import { reportStats } from './class-stats.js';

/** A result with a non-finite number can only come from float64 overflow of the inputs' scale (422). */
export function assertFiniteResult(result: FocalResult): void {
  if (result.nonFinite > 0) {
    throw new ProblemError(
      'result-not-finite',
      'the loss or its gradient overflows float64 for these inputs; scale down the logits, weights or 1/normalizer',
    );
  }
}

export function encodeLossResponse(decoded: DecodedLossRequest, result: FocalResult): LossResponse {
  assertFiniteResult(result);
  const { meta, outputs, classNames } = decoded;
  const { n, c } = meta;
  const body = { loss: result.loss } as LossResponse;
  if (outputs.has('gradient') && result.gradient !== null) {
    body.gradient = meta.mode === 'binary' ? Array.from(result.gradient) : toRows(result.gradient, n, c);
  }
  if (outputs.has('losses') && result.losses !== null) {
    body.losses = meta.mode === 'multilabel' ? toRows(result.losses, n, c) : Array.from(result.losses);
  }
  if (outputs.has('stats')) body.stats = reportStats(meta.mode, result.stats, result.count, n, classNames);
  body.meta = { ...meta, count: result.count, denominator: result.denominator };
  return body;
}

function toRows(flat: Float64Array, n: number, c: number): number[][] {
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(flat.subarray(i * c, (i + 1) * c));
  return rows;
}
