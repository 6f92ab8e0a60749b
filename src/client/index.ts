/**
 * The package's public entry ("exports": "."): a typed client for the focal-loss service and
 * the tensor encoding it speaks. Types come from the service's own schemas.
 */
export { FocalLossClient, FocalLossError, retryAfterMs, type FocalLossClientOptions, type RequestOptions } from './focal-loss-client.js';
export {
  encodeTensor,
  decodeTensor,
  toFloat64,
  TENSOR_DTYPES,
  type EncodedTensor,
  type TensorDtype,
  type TensorArray,
} from './encoded-tensor.js';
export type { LossRequest, Mode, Reduction, Output } from '../schemas/loss-request.js';
export type { LossResponse, Stats, ClassStats, Meta } from '../schemas/loss-response.js';
export type { Problem } from '../schemas/problem.js';
