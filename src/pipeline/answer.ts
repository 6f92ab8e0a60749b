/**
 * What a compute route sends back, as bytes: built by whichever thread ran the request (a worker
 * for large bodies, the main thread for small ones) and written by the main thread as it is.
 */
import type { DecodedLossRequest } from '../tensors/decode-loss-request.js';
import type { OipModel } from '../oip/models.js';
import type { SelectedOutput } from '../oip/select-outputs.js';

export interface Answer {
  contentType: string;
  /** Extra response headers (the /v2 binary extension's header length). */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A POST /loss request, decoded: the kernel's input and what the answer needs. */
export interface PreparedLoss {
  route: 'loss';
  decoded: DecodedLossRequest;
}

/** A /v2 infer request, decoded. Plain data only: it crosses threads by structured clone. */
export interface PreparedInfer {
  route: 'infer';
  decoded: DecodedLossRequest;
  model: OipModel;
  requestId: string | undefined;
  /** The shape the client gave `logits` ([N] or [N, 1] in binary mode, [N, C] otherwise). */
  logitsShape: number[];
  outputs: SelectedOutput[];
}

export type PreparedRequest = PreparedLoss | PreparedInfer;

/** Mode, N and C of a batch, for its request's log line. */
export interface BatchInfo {
  mode: string;
  n: number;
  c: number;
  /** Workers that computed the batch at once (row ranges of one batch), when more than one. */
  parts?: number;
}

export function batchInfo(prepared: PreparedRequest): BatchInfo {
  const { mode, n, c } = prepared.decoded.meta;
  return { mode, n, c };
}

/** A Buffer (or Uint8Array) as the exact bytes to send, without a copy. */
export function bytesOf(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
