/**
 * A schema-valid POST /loss body (or an Open Inference Protocol request with its tensors already
 * decoded) -> a flat, typed kernel batch plus what the response needs (outputs, class
 * names, encoding, the conventions applied). Every semantic check lives here, once, for JSON
 * arrays, encoded and decoded tensors alike: shapes, N/C agreement, dtypes, value ranges, class
 * ids, probability rows, option combinations.
 */
import type { KernelBatch } from '../kernels/types.js';
import type { LossRequest, Mode, Output } from '../schemas/loss-request.js';
import { FLOAT_DTYPES, TENSOR_DTYPES } from '../schemas/encoded-tensor.js';
import { ProblemError } from '../errors/problem-error.js';
import { checkBatch, kernelBatch } from './check-batch.js';
import { FieldErrors, namePointer, type NamePlace } from './field-errors.js';
import { declaredShape, isEncoded, readField, shapePath, type DecodedTensor, type FieldTensor, type FieldValue } from './field-tensor.js';
import { isDense, readDense, type DenseFields, type DenseLayout } from './dense-shapes.js';
import { checkVectorShape, resolveSettings, targetFormatOf, type LossSettings, type ResponseEncoding } from './loss-settings.js';

export { ROW_SUM_TOLERANCE } from './value-checks.js';
export { DEFAULT_GAMMA, DEFAULT_SIGMOID_ALPHA, type ResponseEncoding } from './loss-settings.js';

export interface DecodeLimits {
  /** Largest N x C accepted. */
  maxElements: number;
  /** Largest C accepted. */
  maxClasses: number;
}

export interface DecodedLossRequest {
  batch: KernelBatch;
  outputs: ReadonlySet<Output>;
  classNames: string[] | null;
  encoding: ResponseEncoding;
  /** The conventions applied, minus what only the kernel knows (count, denominator). */
  meta: LossSettings['meta'];
  /** beta of stats.classes[].class_balanced_alpha. */
  classBalanceBeta: number;
  /** The sweep's settings as echoed, in the order of the kernel's sweep sums (null without a sweep). */
  sweep: LossSettings['sweep'];
  /** Dense logits (rank 3 to 8): how the rows map back to the request's shapes; null otherwise. */
  dense: DenseLayout | null;
}

/**
 * A POST /loss body, or the same request from another protocol whose tensors are already
 * decoded to typed arrays (the Open Inference Protocol routes: oip/to-loss-input.ts).
 */
export type LossInput =
  | LossRequest
  | (Omit<LossRequest, 'logits' | 'targets' | 'weights' | 'alpha'> & {
      logits: DecodedTensor;
      targets: DecodedTensor;
      weights?: DecodedTensor;
      alpha?: number | null | DecodedTensor;
    });

/**
 * `namePlace` names where an error is in the caller's protocol (JSON pointers for POST /loss);
 * the checks are the same whoever calls.
 */
export function decodeLossRequest(request: LossInput, limits: DecodeLimits, namePlace: NamePlace = namePointer): DecodedLossRequest {
  const errors = new FieldErrors(namePlace);
  // Dense logits [N, C, d1..dk]: read in place (no rearrangement), shapes checked by readDense.
  if (isDense(request.logits as FieldValue)) return decodeDense(request, limits, errors);
  const mode: Mode = request.mode;
  const body = request;

  // The shape of the logits decides N and C; everything else must agree with it. Shapes and
  // settings are checked before any data is decoded, so a wrong or oversized request costs nothing.
  const { n, c } = logitsShape(mode, body.logits as FieldValue, errors);
  checkSize(n, c, isEncoded(body.logits as FieldValue) ? ['logits', 'shape'] : ['logits', 0], limits, errors);
  const targetsValue = body.targets as FieldValue;
  const targetsShape = declaredShape(targetsValue);
  checkTargetsShape(mode, targetsValue, targetsShape, n, c, errors);
  const weightsValue = body.weights as FieldValue | undefined;
  if (weightsValue !== undefined) checkVectorShape('weights', weightsValue, 'N', n, errors);
  const { logits: _logits, targets: _targets, weights: _weights, ...fields } = body;
  const settings = errors.orThrow(resolveSettings(fields, { n, c, targetFormat: targetFormatOf(mode, targetsShape.length) }, errors));

  // Values: decoded (base64) or copied (JSON) into flat typed arrays, then checked.
  const logits = readField('logits', body.logits as FieldValue, FLOAT_DTYPES, c, errors);
  const targets = readField('targets', targetsValue, TENSOR_DTYPES, c, errors);
  const weights = weightsValue === undefined ? null : readField('weights', weightsValue, FLOAT_DTYPES, 1, errors);
  errors.throwIfAny();
  const data = errors.orThrow(checkBatch(settings, { logits: logits as FieldTensor, targets: targets as FieldTensor, weights }, errors));
  return decoded(settings, kernelBatch(settings, n, data), null);
}

/**
 * A dense request: the tensors in the request's own layout, which the kernels walk with strides
 * (`positions` S): N*S rows of C, weights one per sample, gradient and losses in the request's shapes.
 */
function decodeDense(request: LossInput, limits: DecodeLimits, errors: FieldErrors): DecodedLossRequest {
  const mode: Mode = request.mode;
  const dense = errors.orThrow(readDense(mode, request as unknown as DenseFields, errors));
  const { samples, c, positions } = dense.layout;
  const n = samples * positions;
  checkSize(n, c, shapePath('logits', request.logits as FieldValue), limits, errors);
  const { logits: _logits, targets: _targets, weights: _weights, ...fields } = request;
  const targetFormat = mode !== 'multiclass' ? 'labels' : dense.classIds ? 'class_ids' : 'probabilities';
  const settings = errors.orThrow(resolveSettings(fields, { n, c, targetFormat }, errors));
  const data = errors.orThrow(checkBatch(settings, dense, errors));
  return decoded(settings, { ...kernelBatch(settings, n, data), positions }, dense.layout);
}

/** C within MAX_CLASSES and N x C within MAX_ELEMENTS (else a 400 / 413-style problem naming `at`). */
function checkSize(n: number, c: number, at: (string | number)[], limits: DecodeLimits, errors: FieldErrors): void {
  if (c > limits.maxClasses) {
    // C is the length of the first JSON row, or the second dimension of a tensor's shape.
    errors.add(at, `has ${c} classes; this service accepts at most ${limits.maxClasses} (MAX_CLASSES)`);
    errors.throwIfAny();
  }
  if (n * c > limits.maxElements) {
    throw new ProblemError(
      'too-many-elements',
      `${errors.where(['logits'])} has ${n} x ${c} = ${n * c} elements; this service accepts at most ${limits.maxElements} per request ` +
        '(split the batch into several requests)',
      { errors: [{ pointer: '#/logits', detail: `must have at most ${limits.maxElements} elements` }] },
    );
  }
}

function decoded(settings: LossSettings, batch: KernelBatch, dense: DenseLayout | null): DecodedLossRequest {
  return {
    batch,
    outputs: settings.outputs,
    classNames: settings.classNames,
    encoding: settings.encoding,
    classBalanceBeta: settings.classBalanceBeta,
    sweep: settings.sweep,
    meta: settings.meta,
    dense,
  };
}

/** N and C from the logits, whose rank must match the mode; throws when they cannot be known. */
function logitsShape(mode: Mode, value: FieldValue, errors: FieldErrors): { n: number; c: number } {
  const shape = declaredShape(value);
  const at = shapePath('logits', value);
  const form = isEncoded(value)
    ? mode === 'binary'
      ? '[N]'
      : '[N, C]'
    : mode === 'binary'
      ? 'a flat array number[N]'
      : 'an array of rows number[N][C]';
  if (shape[0] === 0) {
    errors.add(at, 'must not be empty (the batch has no rows)');
  } else if (mode === 'binary' && shape.length !== 1) {
    errors.add(at, `must be ${form} in binary mode (use multilabel for ${isEncoded(value) ? '[N, C]' : 'number[N][C]'})`);
  } else if (mode !== 'binary' && shape.length !== 2) {
    errors.add(at, `must be ${form} in ${mode} mode`);
  } else if (shape.length === 2 && shape[1] === 0) {
    errors.add(isEncoded(value) ? at : ['logits', 0], 'must not be empty (C must be at least 1)');
  }
  errors.throwIfAny();
  return { n: shape[0], c: shape.length === 2 ? shape[1] : 1 };
}

function checkTargetsShape(mode: Mode, value: FieldValue, shape: number[], n: number, c: number, errors: FieldErrors): void {
  const at = shapePath('targets', value);
  const encoded = isEncoded(value);
  if (shape[0] !== n) {
    errors.add(at, `has ${shape[0]} rows; logits has ${n} (N must agree)`);
  } else if (mode === 'binary' && shape.length !== 1) {
    errors.add(at, `must be ${encoded ? '[N]' : 'a flat array number[N]'} in binary mode`);
  } else if (mode === 'multilabel' && shape.length !== 2) {
    errors.add(at, `must be ${encoded ? '[N, C]' : 'an array of rows number[N][C]'} in multilabel mode`);
  } else if (encoded && shape.length === 2 && shape[1] !== c) {
    // (JSON rows are checked one by one as they are read, naming the row.)
    errors.add(at, `has C = ${shape[1]}; logits has C = ${c} (C must agree)`);
  }
}
