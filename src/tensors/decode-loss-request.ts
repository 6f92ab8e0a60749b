/**
 * A focal-loss request -> a flat, typed focal-loss problem plus what the response needs
 * (outputs, class names, the conventions applied). Every semantic check lives here, once, for
 * every endpoint: shapes, N/C agreement, value ranges and finiteness, class ids, probability
 * rows, option combinations. POST /loss reaches it through decodeLossRequest (JSON arrays are
 * read into typed arrays first); the Open Inference Protocol routes call decodeLossInput with
 * the typed arrays they decoded from JSON or binary tensor data.
 */
import type { FloatArray, FocalProblem } from '../kernels/types.js';
import type { LossRequest, Mode, Output, Reduction } from '../schemas/loss-request.js';
import type { Meta } from '../schemas/loss-response.js';
import { ProblemError } from '../errors/problem-error.js';
import { FieldErrors } from './field-errors.js';
import { readJsonTensor, type JsonMatrix, type JsonVector } from './json-arrays.js';
import { ANY_FINITE, asFloatArray, checkValues, NON_NEGATIVE, UNIT_INTERVAL, type Tensor } from './tensor.js';

/** Probability rows must sum to 1 within this tolerance. */
export const ROW_SUM_TOLERANCE = 1e-6;
export const DEFAULT_GAMMA = 2;
export const DEFAULT_SIGMOID_ALPHA = 0.25;

export interface DecodeLimits {
  /** Largest N x C accepted. */
  maxElements: number;
  /** Largest C accepted. */
  maxClasses: number;
}

/**
 * A request with its tensors already typed: what POST /loss and the Open Inference Protocol
 * routes have in common. Optional settings take their defaults here.
 */
export interface LossInput {
  mode: Mode;
  logits: Tensor;
  targets: Tensor;
  weights?: Tensor;
  /** absent: the mode's default; null: no weighting; a number: every class; a tensor: per class. */
  alpha?: number | null | Tensor;
  gamma?: number;
  reduction?: Reduction;
  normalizer?: number;
  ignore_index?: number;
  label_smoothing?: number;
  class_names?: string[];
  outputs?: Output[];
}

export interface DecodedLossRequest {
  problem: FocalProblem;
  outputs: ReadonlySet<Output>;
  classNames: string[] | null;
  /** The conventions applied, minus what only the kernel knows (count, denominator). */
  meta: Omit<Meta, 'count' | 'denominator'>;
}

/** POST /loss: a schema-valid body -> typed arrays (rows of equal length) -> decodeLossInput. */
export function decodeLossRequest(body: LossRequest, limits: DecodeLimits): DecodedLossRequest {
  const errors = new FieldErrors();
  const logits = readJsonTensor(body.logits as JsonVector | JsonMatrix, 'logits', errors);
  const targets = readJsonTensor(body.targets as JsonVector | JsonMatrix, 'targets', errors);
  const weights = body.weights === undefined ? undefined : readJsonTensor(body.weights, 'weights', errors);
  const alpha = Array.isArray(body.alpha) ? readJsonTensor(body.alpha, 'alpha', errors) : body.alpha;
  errors.throwIfAny();
  const { mode, gamma, reduction, normalizer, ignore_index, label_smoothing, class_names, outputs } = body;
  return decodeLossInput(
    { mode, logits, targets, weights, alpha, gamma, reduction, normalizer, ignore_index, label_smoothing, class_names, outputs },
    limits,
  );
}

export function decodeLossInput(input: LossInput, limits: DecodeLimits): DecodedLossRequest {
  const errors = new FieldErrors();
  const mode = input.mode;
  const sigmoid = mode !== 'multiclass';

  // Shape of the logits decides N and C; everything else must agree with it.
  const logitsShape = input.logits.shape;
  if (logitsShape.length > 0 && logitsShape[0] === 0) {
    errors.add(['logits'], 'must not be empty (the batch has no rows)');
    errors.throwIfAny();
  }
  if (mode === 'binary' && logitsShape.length !== 1) {
    errors.add(['logits'], 'must be a flat array number[N] in binary mode (use multilabel for number[N][C])');
  } else if (mode !== 'binary' && logitsShape.length !== 2) {
    errors.add(['logits'], `must be an array of rows number[N][C] in ${mode} mode`);
  }
  errors.throwIfAny();
  const n = logitsShape[0];
  const c = mode === 'binary' ? 1 : logitsShape[1];
  if (c === 0) {
    errors.add(['logits', 0], 'must not be empty (C must be at least 1)');
    errors.throwIfAny();
  }
  if (c > limits.maxClasses) {
    errors.add(['logits', 0], `has ${c} classes; this service accepts at most ${limits.maxClasses} (MAX_CLASSES)`);
    errors.throwIfAny();
  }
  if (n * c > limits.maxElements) {
    throw new ProblemError(
      'too-many-elements',
      `logits has ${n} x ${c} = ${n * c} elements; this service accepts at most ${limits.maxElements} per request ` +
        '(split the batch into several requests)',
      { errors: [{ pointer: '#/logits', detail: `must have at most ${limits.maxElements} elements` }] },
    );
  }
  checkValues(input.logits, 'logits', ANY_FINITE, errors);
  const logits = asFloatArray(input.logits.values);

  // Targets.
  const targetsShape = input.targets.shape;
  const targetsIsMatrix = targetsShape.length === 2;
  let targets: FloatArray | null = null;
  let labels: Int32Array | null = null;
  const ignoreIndex = input.ignore_index ?? null;
  if (targetsShape.length === 0 || targetsShape.length > 2) {
    errors.add(['targets'], `must be number[N] or number[N][C] (it has ${targetsShape.length} dimensions)`);
  } else if (targetsShape[0] !== n) {
    errors.add(['targets'], `has ${targetsShape[0]} rows; logits has ${n} (N must agree)`);
  } else if (mode === 'binary' && targetsIsMatrix) {
    errors.add(['targets'], 'must be a flat array number[N] in binary mode');
  } else if (mode === 'multilabel' && !targetsIsMatrix) {
    errors.add(['targets'], 'must be an array of rows number[N][C] in multilabel mode');
  } else if (targetsIsMatrix && targetsShape[1] !== c) {
    errors.add(['targets', 0], `has ${targetsShape[1]} values; every row must have ${c} (C, the length of logits[0])`);
  } else if (sigmoid) {
    checkValues(input.targets, 'targets', UNIT_INTERVAL, errors);
    targets = asFloatArray(input.targets.values);
  } else if (targetsIsMatrix) {
    checkValues(input.targets, 'targets', NON_NEGATIVE, errors);
    targets = asFloatArray(input.targets.values);
    if (errors.empty) checkProbabilityRows(targets, n, c, errors);
  } else {
    labels = readClassIds(input.targets.values, c, ignoreIndex, errors);
  }

  if (ignoreIndex !== null && !(mode === 'multiclass' && !targetsIsMatrix)) {
    errors.add(['ignore_index'], 'applies only to multiclass mode with integer class-id targets');
  }

  // Weights: one per row.
  let weights: FloatArray | null = null;
  if (input.weights !== undefined) {
    const shape = input.weights.shape;
    if (shape.length !== 1) errors.add(['weights'], `must be a flat array number[N] (it has ${shape.length} dimensions)`);
    else if (shape[0] !== n) errors.add(['weights'], `has ${shape[0]} values; logits has ${n} rows (N must agree)`);
    else {
      checkValues(input.weights, 'weights', NON_NEGATIVE, errors);
      weights = asFloatArray(input.weights.values);
    }
  }

  // Alpha: absent -> the mode's default; null -> no weighting; number -> every class; tensor -> per class.
  let alphaEcho: number | number[] | null;
  let alpha: FloatArray | null = null;
  if (input.alpha === undefined) alphaEcho = sigmoid ? DEFAULT_SIGMOID_ALPHA : null;
  else if (input.alpha === null || typeof input.alpha === 'number') alphaEcho = input.alpha;
  else {
    const shape = input.alpha.shape;
    alphaEcho = Array.from(input.alpha.values);
    if (shape.length !== 1 || shape[0] !== c) {
      errors.add(['alpha'], `has ${input.alpha.values.length} values; must have one per class (C = ${c})`);
    } else {
      checkValues(input.alpha, 'alpha', sigmoid ? UNIT_INTERVAL : NON_NEGATIVE, errors);
      alpha = asFloatArray(input.alpha.values);
    }
  }
  if (typeof alphaEcho === 'number') alpha = new Float64Array(c).fill(alphaEcho);

  if (input.normalizer !== undefined && !Number.isFinite(input.normalizer)) {
    errors.add(['normalizer'], 'must be a finite number > 0');
  }
  if (input.class_names !== undefined && input.class_names.length !== c) {
    errors.add(['class_names'], `has ${input.class_names.length} names; must have one per class (C = ${c})`);
  }
  errors.throwIfAny();

  const reduction = input.reduction ?? 'mean';
  const outputs = new Set<Output>(input.outputs ?? ['loss', 'gradient', 'stats', ...(reduction === 'none' ? ['losses' as const] : [])]);
  outputs.add('loss');
  const gamma = input.gamma ?? DEFAULT_GAMMA;
  const labelSmoothing = input.label_smoothing ?? 0;
  const normalizer = input.normalizer ?? null;
  const common = {
    n,
    c,
    logits,
    weights,
    alpha,
    gamma,
    labelSmoothing,
    reduction,
    normalizer,
    wantGradient: outputs.has('gradient'),
    wantLosses: outputs.has('losses'),
  };
  const problem: FocalProblem =
    mode === 'multiclass'
      ? { mode, ...common, labels, probabilities: labels === null ? targets : null }
      : { mode, ...common, targets: targets as FloatArray };

  return {
    problem,
    outputs,
    classNames: input.class_names ?? null,
    meta: {
      mode,
      reduction,
      denominator_source: reduction !== 'mean' ? 'none' : normalizer !== null ? 'normalizer' : 'count',
      gamma,
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

/** Integer class ids in [0, C), or ignore_index (stored as -1: the kernel skips negative labels). */
function readClassIds(values: ArrayLike<number>, c: number, ignoreIndex: number | null, errors: FieldErrors): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === ignoreIndex) {
      out[i] = -1;
    } else if (!Number.isInteger(v)) {
      errors.add(['targets', i], 'must be an integer class id in multiclass mode (or give probability rows number[N][C])');
    } else if (v < 0 || v >= c) {
      errors.add(
        ['targets', i],
        `class id ${v} is out of range [0, ${c})` + (ignoreIndex === null ? '' : ` and is not ignore_index (${ignoreIndex})`),
      );
    } else {
      out[i] = v;
    }
    if (errors.full) break;
  }
  return out;
}

function checkProbabilityRows(rows: FloatArray, n: number, c: number, errors: FieldErrors): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += rows[i * c + j];
    if (Math.abs(s - 1) > ROW_SUM_TOLERANCE) {
      errors.add(['targets', i], `is a probability row summing to ${s}; it must sum to 1 (within ${ROW_SUM_TOLERANCE})`);
      if (errors.full) return;
    }
  }
}
