/**
 * focal-loss-client: a client for the focal-loss service with no dependencies (`fetch` only), for
 * Node.js >= 20 and browsers. POST /loss typed by the service's own API document, base64 tensors,
 * retries, and `evaluate` for batches of any size, chunked and merged exactly. The merge rules
 * themselves are the "./merge" entry.
 */
export { FocalLossClient, retryAfterMs, type FocalLossClientOptions, type RequestOptions } from './focal-loss-client.js';
export { FocalLossError } from './errors.js';
export {
  chunkAnswer,
  evaluate,
  DEFAULT_CHUNK_ELEMENTS,
  DEFAULT_CONCURRENCY,
  DEFAULT_REDUCTION,
  type ChunkAnswer,
  type EvaluateOptions,
  type Evaluation,
  type LossCaller,
  type TensorInput,
} from './evaluate.js';
export { encodeTensor, decodeTensor, dtypeOf, toFloat64, TENSOR_DTYPES, type TensorArray } from './encoded-tensor.js';
export { base64ToBytes, bytesToBase64 } from './base64.js';
export type {
  Averages,
  Calibration,
  ClassStats,
  EncodedTensor,
  Health,
  LossRequest,
  LossResponse,
  Meta,
  Mode,
  Output,
  Problem,
  Readiness,
  Reduction,
  Stats,
  SweepEntry,
  TensorDtype,
  Variant,
} from './api.js';
export type { components, paths, operations } from './openapi.generated.js';
