/**
 * A schema-valid POST /loss body (or an Open Inference Protocol request with its tensors already
 * decoded) -> a flat, typed focal-loss problem plus what the response needs (outputs, class
 * names, encoding, the conventions applied). Every semantic check lives here, once, for JSON
 * arrays, encoded and decoded tensors alike: shapes, N/C agreement, dtypes, value ranges, class
 * ids, probability rows, option combinations.
 */
import type { FloatArray, FocalProblem, TargetArray } from '../kernels/types.js';
import type { LossRequest, Mode, Output } from '../schemas/loss-request.js';
import type { Meta } from '../schemas/loss-response.js';
import { FLOAT_DTYPES, TENSOR_DTYPES, type FloatDtype } from '../schemas/encoded-tensor.js';
import { ProblemError } from '../errors/problem-error.js';
import { FieldErrors, namePointer, type NamePlace } from './field-errors.js';
import { declaredShape, isEncoded, readField, shapePath, type DecodedTensor, type FieldTensor, type FieldValue } from './field-tensor.js';
import { decodeVariant } from './decode-variant.js';
import { isDense, toRowForm, type DenseFields, type DenseLayout } from './dense-shapes.js';
import { ANY_FINITE, checkProbabilityRows, checkRange, NON_NEGATIVE, readClassIds, UNIT_INTERVAL } from './value-checks.js';

export { ROW_SUM_TOLERANCE } from './value-checks.js';
export { DEFAULT_GAMMA, DEFAULT_SIGMOID_ALPHA } from './decode-variant.js';

export interface DecodeLimits {
  /** Largest N x C accepted. */
  maxElements: number;
  /** Largest C accepted. */
  maxClasses: number;
}

/** How gradient and losses go back: JSON number arrays, or encoded tensors of a float dtype. */
export type ResponseEncoding = 'json' | FloatDtype;

export interface DecodedLossRequest {
  problem: FocalProblem;
  outputs: ReadonlySet<Output>;
  classNames: string[] | null;
  encoding: ResponseEncoding;
  /** The conventions applied, minus what only the kernel knows (count, denominator). */
  meta: Omit<Meta, 'count' | 'denominator'>;
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
  const mode: Mode = request.mode;
  // Dense logits [N, C, d1..dk]: rearranged into rows [N*d1*..*dk, C] first; every rule below then applies to the rows.
  let body = request;
  let dense: DenseLayout | null = null;
  if (isDense(request.logits as FieldValue)) {
    const rows = toRowForm(mode, request as unknown as DenseFields, errors);
    errors.throwIfAny();
    body = rows!.body as unknown as LossInput;
    dense = rows!.layout;
  }
  const sigmoid = mode !== 'multiclass';

  // The shape of the logits decides N and C; everything else must agree with it. Shapes are
  // checked before any data is decoded, so a wrong or oversized request costs nothing.
  const { n, c } = logitsShape(mode, body.logits as FieldValue, errors);
  if (c > limits.maxClasses) {
    // C is the length of the first JSON row, or the second dimension of a tensor's shape.
    const at = isEncoded(body.logits as FieldValue) ? ['logits', 'shape'] : ['logits', 0];
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
  const targetsValue = body.targets as FieldValue;
  const targetsShape = declaredShape(targetsValue);
  checkTargetsShape(mode, targetsValue, targetsShape, n, c, errors);
  const weightsValue = body.weights as FieldValue | undefined;
  if (weightsValue !== undefined) checkVectorShape('weights', weightsValue, 'N', n, errors);
  const alphaValue = body.alpha;
  const alphaIsList = alphaValue !== undefined && alphaValue !== null && typeof alphaValue !== 'number';
  if (alphaIsList) checkVectorShape('alpha', alphaValue as FieldValue, 'C', c, errors);
  if (body.class_names !== undefined && body.class_names.length !== c) {
    errors.add(['class_names'], `has ${body.class_names.length} names; must have one per class (C = ${c})`);
  }
  const classIdTargets = mode === 'multiclass' && targetsShape.length === 1;
  const ignoreIndex = body.ignore_index ?? null;
  if (ignoreIndex !== null && !classIdTargets) {
    errors.add(['ignore_index'], 'applies only to multiclass mode with integer class-id targets');
  }
  if (body.dtype !== undefined && body.encoding !== 'base64') {
    errors.add(['dtype'], 'applies only with encoding "base64" (JSON numbers are float64)');
  }
  const reduction = body.reduction ?? 'mean';
  if (body.normalizer !== undefined && !Number.isFinite(body.normalizer)) {
    errors.add(['normalizer'], 'must be a finite number > 0');
  } else if (body.normalizer !== undefined && reduction !== 'mean') {
    // Only mean divides; a normalizer with sum or none would be dropped without a word.
    errors.add(['normalizer'], `applies only with reduction "mean" (reduction "${reduction}" divides by nothing)`);
  }
  const variant = decodeVariant(body, mode, c, errors);
  errors.throwIfAny();

  // Values: decoded (base64) or copied (JSON) into flat typed arrays, then checked.
  const logits = readField('logits', body.logits as FieldValue, FLOAT_DTYPES, c, errors);
  if (logits !== null) checkRange(logits, ANY_FINITE, errors);

  const targets = readField('targets', targetsValue, TENSOR_DTYPES, c, errors);
  let labels: Int32Array | null = null;
  if (targets !== null) {
    if (classIdTargets) labels = readClassIds(targets, c, ignoreIndex, errors);
    else checkRange(targets, sigmoid ? UNIT_INTERVAL : NON_NEGATIVE, errors);
    // Row sums mean something only once every row is complete and every value >= 0.
    if (mode === 'multiclass' && !classIdTargets && errors.empty) checkProbabilityRows(targets, errors);
  }

  let weights: FieldTensor | null = null;
  if (weightsValue !== undefined) {
    weights = readField('weights', weightsValue, FLOAT_DTYPES, 1, errors);
    if (weights !== null) checkRange(weights, NON_NEGATIVE, errors);
  }

  // Alpha: absent -> the mode's default; null -> no weighting; number -> every class; list -> per class.
  let alphaEcho: number | number[] | null;
  let alpha: FloatArray | null = null;
  if (alphaIsList) {
    const list = readField('alpha', alphaValue as FieldValue, FLOAT_DTYPES, 1, errors);
    if (list !== null) {
      checkRange(list, sigmoid ? UNIT_INTERVAL : NON_NEGATIVE, errors);
      alpha = list.values as FloatArray;
    }
    alphaEcho = alpha === null ? null : Array.from(alpha);
  } else {
    alphaEcho = alphaValue === undefined ? (sigmoid ? variant.sigmoidAlphaDefault : null) : (alphaValue as number | null);
    if (typeof alphaEcho === 'number') alpha = new Float64Array(c).fill(alphaEcho);
  }
  errors.throwIfAny();

  const outputs = new Set<Output>(body.outputs ?? ['loss', 'gradient', 'stats', ...(reduction === 'none' ? ['losses' as const] : [])]);
  outputs.add('loss');
  const labelSmoothing = body.label_smoothing ?? 0;
  const normalizer = body.normalizer ?? null;
  const common = {
    n,
    c,
    logits: (logits as FieldTensor).values as FloatArray,
    weights: weights === null ? null : (weights.values as FloatArray),
    alpha,
    gamma: variant.gamma,
    gammas: variant.gammas,
    polyEpsilon: variant.polyEpsilon,
    asymmetric: variant.asymmetric,
    labelSmoothing,
    reduction,
    normalizer,
    wantGradient: outputs.has('gradient'),
    wantLosses: outputs.has('losses'),
  };
  const targetValues = (targets as FieldTensor).values;
  const problem: FocalProblem =
    mode === 'multiclass'
      ? { mode, ...common, labels, probabilities: labels === null ? asFloats(targetValues) : null }
      : { mode, ...common, targets: targetValues as TargetArray };

  return {
    problem,
    outputs,
    classNames: body.class_names ?? null,
    encoding: body.encoding === 'base64' ? (body.dtype ?? 'float64') : 'json',
    dense,
    meta: {
      mode,
      reduction,
      denominator_source: reduction !== 'mean' ? 'none' : normalizer !== null ? 'normalizer' : 'count',
      ...variant.meta,
      alpha: alphaEcho,
      alpha_convention: alphaEcho === null ? 'none' : sigmoid ? 'positive_weight' : 'class_weight',
      label_smoothing: labelSmoothing,
      ignore_index: ignoreIndex,
      target_format: sigmoid ? 'labels' : labels !== null ? 'class_ids' : 'probabilities',
      n,
      c,
    },
  };
}

/** N and C from the logits, whose rank must match the mode; throws when they cannot be known. */
function logitsShape(mode: Mode, value: FieldValue, errors: FieldErrors): { n: number; c: number } {
  const shape = declaredShape(value);
  const at = shapePath('logits', value);
  const form = isEncoded(value) ? (mode === 'binary' ? '[N]' : '[N, C]') : mode === 'binary' ? 'a flat array number[N]' : 'an array of rows number[N][C]';
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

/** weights [N] and alpha lists [C]: one value per row or per class. */
function checkVectorShape(field: string, value: FieldValue, dim: 'N' | 'C', length: number, errors: FieldErrors): void {
  const shape = declaredShape(value);
  const rule = dim === 'N' ? `logits has ${length} rows (N must agree)` : `must have one per class (C = ${length})`;
  if (shape.length !== 1) errors.add(shapePath(field, value), `must be a flat list [${dim}]`);
  else if (shape[0] !== length) errors.add(shapePath(field, value), `has ${shape[0]} values; ${rule}`);
}

/** Probability rows for the softmax kernel: float dtypes as they are, integer ones (one-hot rows) as float64. */
function asFloats(values: FieldTensor['values']): FloatArray {
  return values instanceof Float64Array || values instanceof Float32Array ? values : Float64Array.from(values);
}
