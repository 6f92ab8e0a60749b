/**
 * A schema-valid POST /loss body -> a flat, typed focal-loss problem plus what the response
 * needs (outputs, class names, the conventions applied). Every semantic check lives here, once:
 * shapes, N/C agreement, value ranges, class ids, probability rows, option combinations.
 */
import type { FloatArray, FocalProblem } from '../kernels/types.js';
import type { LossRequest, Mode, Output } from '../schemas/loss-request.js';
import type { Meta } from '../schemas/loss-response.js';
import { ProblemError } from '../errors/problem-error.js';
import { FieldErrors } from './field-errors.js';
import {
  ANY_FINITE,
  isMatrix,
  NON_NEGATIVE,
  readMatrix,
  readVector,
  UNIT_INTERVAL,
  type JsonMatrix,
  type JsonVector,
} from './json-arrays.js';

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

export interface DecodedLossRequest {
  problem: FocalProblem;
  outputs: ReadonlySet<Output>;
  classNames: string[] | null;
  /** The conventions applied, minus what only the kernel knows (count, denominator). */
  meta: Omit<Meta, 'count' | 'denominator'>;
}

export function decodeLossRequest(body: LossRequest, limits: DecodeLimits): DecodedLossRequest {
  const errors = new FieldErrors();
  const mode: Mode = body.mode;
  const sigmoid = mode !== 'multiclass';

  // Shape of the logits decides N and C; everything else must agree with it.
  const logitsJson = body.logits as JsonVector | JsonMatrix;
  if (logitsJson.length === 0) {
    errors.add(['logits'], 'must not be empty (the batch has no rows)');
    errors.throwIfAny();
  }
  const logitsIsMatrix = isMatrix(logitsJson);
  if (mode === 'binary' && logitsIsMatrix) {
    errors.add(['logits'], 'must be a flat array number[N] in binary mode (use multilabel for number[N][C])');
  } else if (mode !== 'binary' && !logitsIsMatrix) {
    errors.add(['logits'], `must be an array of rows number[N][C] in ${mode} mode`);
  }
  errors.throwIfAny();
  const n = logitsJson.length;
  const c = logitsIsMatrix ? (logitsJson as JsonMatrix)[0].length : 1;
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
  const logits = logitsIsMatrix
    ? readMatrix(logitsJson as JsonMatrix, c, 'logits', ANY_FINITE, errors)
    : readVector(logitsJson as JsonVector, 'logits', ANY_FINITE, errors);

  // Targets.
  const targetsJson = body.targets as JsonVector | JsonMatrix;
  const targetsIsMatrix = isMatrix(targetsJson);
  let targets: Float64Array | null = null;
  let labels: Int32Array | null = null;
  const ignoreIndex = body.ignore_index ?? null;
  if (targetsJson.length !== n) {
    errors.add(['targets'], `has ${targetsJson.length} rows; logits has ${n} (N must agree)`);
  } else if (mode === 'binary') {
    if (targetsIsMatrix) errors.add(['targets'], 'must be a flat array number[N] in binary mode');
    else targets = readVector(targetsJson as JsonVector, 'targets', UNIT_INTERVAL, errors);
  } else if (mode === 'multilabel') {
    if (!targetsIsMatrix) errors.add(['targets'], 'must be an array of rows number[N][C] in multilabel mode');
    else targets = readMatrix(targetsJson as JsonMatrix, c, 'targets', UNIT_INTERVAL, errors);
  } else if (targetsIsMatrix) {
    targets = readMatrix(targetsJson as JsonMatrix, c, 'targets', NON_NEGATIVE, errors);
    if (errors.empty) checkProbabilityRows(targets, n, c, errors);
  } else {
    labels = readClassIds(targetsJson as JsonVector, c, ignoreIndex, errors);
  }

  if (ignoreIndex !== null && !(mode === 'multiclass' && !targetsIsMatrix)) {
    errors.add(['ignore_index'], 'applies only to multiclass mode with integer class-id targets');
  }

  // Weights: one per row.
  let weights: FloatArray | null = null;
  if (body.weights !== undefined) {
    if (body.weights.length !== n) errors.add(['weights'], `has ${body.weights.length} values; logits has ${n} rows (N must agree)`);
    else weights = readVector(body.weights, 'weights', NON_NEGATIVE, errors);
  }

  // Alpha: absent -> the mode's default; null -> no weighting; number -> every class; list -> per class.
  let alphaEcho: number | number[] | null;
  if (body.alpha === undefined) alphaEcho = sigmoid ? DEFAULT_SIGMOID_ALPHA : null;
  else alphaEcho = body.alpha;
  let alpha: Float64Array | null = null;
  if (Array.isArray(alphaEcho)) {
    if (alphaEcho.length !== c) {
      errors.add(['alpha'], `has ${alphaEcho.length} values; must have one per class (C = ${c})`);
    } else {
      alpha = readVector(alphaEcho, 'alpha', sigmoid ? UNIT_INTERVAL : NON_NEGATIVE, errors);
    }
  } else if (typeof alphaEcho === 'number') {
    alpha = new Float64Array(c).fill(alphaEcho);
  }

  if (body.normalizer !== undefined && !Number.isFinite(body.normalizer)) {
    errors.add(['normalizer'], 'must be a finite number > 0');
  }
  if (body.class_names !== undefined && body.class_names.length !== c) {
    errors.add(['class_names'], `has ${body.class_names.length} names; must have one per class (C = ${c})`);
  }
  errors.throwIfAny();

  const reduction = body.reduction ?? 'mean';
  const outputs = new Set<Output>(body.outputs ?? ['loss', 'gradient', 'stats', ...(reduction === 'none' ? ['losses' as const] : [])]);
  outputs.add('loss');
  const gamma = body.gamma ?? DEFAULT_GAMMA;
  const labelSmoothing = body.label_smoothing ?? 0;
  const normalizer = body.normalizer ?? null;
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
      : { mode, ...common, targets: targets as Float64Array };

  return {
    problem,
    outputs,
    classNames: body.class_names ?? null,
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
function readClassIds(values: JsonVector, c: number, ignoreIndex: number | null, errors: FieldErrors): Int32Array {
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

function checkProbabilityRows(rows: Float64Array, n: number, c: number, errors: FieldErrors): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += rows[i * c + j];
    if (Math.abs(s - 1) > ROW_SUM_TOLERANCE) {
      errors.add(['targets', i], `is a probability row summing to ${s}; it must sum to 1 (within ${ROW_SUM_TOLERANCE})`);
      if (errors.full) return;
    }
  }
}
