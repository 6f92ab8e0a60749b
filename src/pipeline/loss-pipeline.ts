/**
 * POST /loss as steps that run on either thread: a schema-valid body -> the prepared request
 * (tensors/decode-loss-request.ts: every semantic check, flat typed arrays) -> with the kernel's
 * result, the answer bytes (JSON text, encoded tensors spliced in). No Fastify, no pool.
 */
import type { FocalResult } from '../kernels/types.js';
import type { LossRequest } from '../schemas/loss-request.js';
import { decodeLossRequest, type DecodeLimits } from '../tensors/decode-loss-request.js';
import { encodeLossResponse, serializeLossResponse } from '../tensors/encode-loss-response.js';
import type { Answer, PreparedLoss } from './answer.js';

export const LOSS_CONTENT_TYPE = 'application/json; charset=utf-8';

export function prepareLoss(body: LossRequest, limits: DecodeLimits): PreparedLoss {
  return { route: 'loss', decoded: decodeLossRequest(body, limits) };
}

export function answerLoss(prepared: PreparedLoss, result: FocalResult): Answer {
  return { contentType: LOSS_CONTENT_TYPE, headers: {}, body: serializeLossResponse(encodeLossResponse(prepared.decoded, result)) };
}
