/**
 * POST /loss as steps that run on either thread: a schema-valid body -> the prepared request
 * (tensors/decode-loss-request.ts: every semantic check, flat typed arrays) -> with the kernel's
 * result, the answer bytes (JSON text, encoded tensors spliced in). No Fastify, no pool.
 */
import type { FocalResult } from '../kernels/types.js';
import type { LossRequest } from '../schemas/loss-request.js';
import { decodeLossRequest, type DecodedLossRequest, type DecodeLimits } from '../tensors/decode-loss-request.js';
import { checkAnswerSize, JSON_NUMBER_BYTES, STATS_BYTES_PER_CLASS, type AnswerPart } from './answer-size.js';
import { lossResponseBytes } from '../tensors/encode-loss-response.js';
import type { Answer, PreparedLoss } from './answer.js';
import { BIN_FIELDS, CALIBRATION_BINS } from 'focal-loss-client/merge';

export const LOSS_CONTENT_TYPE = 'application/json; charset=utf-8';

export function prepareLoss(body: LossRequest, limits: DecodeLimits & { responseLimit?: number }): PreparedLoss {
  const decoded = decodeLossRequest(body, limits);
  checkAnswerSize(
    lossAnswerParts(decoded),
    limits.responseLimit,
    '#/outputs',
    'leave gradient or losses out of "outputs", ask for "encoding": "base64" with "dtype": "float32", or split the batch',
  );
  return { route: 'loss', decoded };
}

/** What a POST /loss answer will hold, by size. */
function lossAnswerParts(decoded: DecodedLossRequest): AnswerPart[] {
  const { n, c, mode } = decoded.meta;
  const encoding = decoded.encoding;
  const perElement = encoding === 'json' ? JSON_NUMBER_BYTES : encoding === 'float32' ? 16 / 3 : 32 / 3;
  const as = encoding === 'json' ? 'JSON numbers' : `base64 ${encoding}`;
  const parts: AnswerPart[] = [];
  if (decoded.outputs.has('gradient')) parts.push({ name: `gradient as ${as}`, elements: n * c, bytesPerElement: perElement });
  if (decoded.outputs.has('losses'))
    parts.push({ name: `losses as ${as}`, elements: mode === 'multilabel' ? n * c : n, bytesPerElement: perElement });
  if (decoded.outputs.has('stats')) parts.push({ name: 'stats', elements: c, bytesPerElement: STATS_BYTES_PER_CLASS });
  if (decoded.outputs.has('confusion')) parts.push({ name: 'confusion', elements: c * c, bytesPerElement: JSON_NUMBER_BYTES });
  if (decoded.outputs.has('column_calibration')) {
    parts.push({ name: 'column_calibration', elements: c * CALIBRATION_BINS * BIN_FIELDS, bytesPerElement: JSON_NUMBER_BYTES });
  }
  // Each sweep entry: its loss, gamma, alpha (a list of C at most) and C class loss sums.
  const settings = decoded.sweep?.settings.length ?? 0;
  if (settings > 0) parts.push({ name: 'sweep', elements: settings * (2 * c + 3), bytesPerElement: JSON_NUMBER_BYTES });
  return parts;
}

export function answerLoss(prepared: PreparedLoss, result: FocalResult): Answer {
  return { contentType: LOSS_CONTENT_TYPE, headers: {}, body: lossResponseBytes(prepared.decoded, result) };
}
