/**
 * The batch's data against its settings: finite logits, targets in the mode's range (labels in
 * [0, 1], class ids in [0, C) or ignore_index, probability rows summing to 1), weights >= 0;
 * then the kernel's input (a KernelBatch) from the checked arrays and the settings. POST /loss,
 * /v2 and the CLI (each chunk, with errors named by file and row) check a batch here and
 * nowhere else.
 */
import type { FloatArray, KernelBatch, TargetArray } from '../kernels/types.js';
import type { FieldErrors } from './field-errors.js';
import type { FieldTensor, TensorValues } from './field-tensor.js';
import type { LossSettings } from './loss-settings.js';
import { ANY_FINITE, checkProbabilityRows, checkRange, NON_NEGATIVE, readClassIds, UNIT_INTERVAL } from './value-checks.js';

/** A batch's tensors as read (flat values and shape), before their values are checked. */
export interface BatchTensors {
  logits: FieldTensor;
  targets: FieldTensor;
  weights: FieldTensor | null;
}

/** The checked data, as the kernels read it. */
export interface BatchArrays {
  logits: FloatArray;
  weights: FloatArray | null;
  /** Sigmoid labels (binary, multilabel). */
  targets: TargetArray | null;
  /** Multiclass class ids, -1 for an ignored row. */
  labels: Int32Array | null;
  /** Multiclass probability rows. */
  probabilities: FloatArray | null;
}

/** Checks every value, adding an error for each offending one (up to the cap); null when any was added. */
export function checkBatch(
  settings: Pick<LossSettings, 'mode' | 'ignoreIndex' | 'meta'>,
  tensors: BatchTensors,
  errors: FieldErrors,
): BatchArrays | null {
  const before = errors.count;
  const { logits, targets, weights } = tensors;
  const c = settings.meta.c;
  checkRange(logits, ANY_FINITE, errors);
  let labels: Int32Array | null = null;
  if (settings.meta.target_format === 'class_ids') {
    labels = readClassIds(targets, c, settings.ignoreIndex, errors);
  } else {
    checkRange(targets, settings.mode === 'multiclass' ? NON_NEGATIVE : UNIT_INTERVAL, errors);
    // Row sums mean something only once every row is complete and every value >= 0.
    if (settings.mode === 'multiclass' && errors.count === before) checkProbabilityRows(targets, errors);
  }
  if (weights !== null) checkRange(weights, NON_NEGATIVE, errors);
  if (errors.count > before) return null;
  const sigmoid = settings.mode !== 'multiclass';
  return {
    logits: logits.values as FloatArray,
    weights: weights === null ? null : (weights.values as FloatArray),
    targets: sigmoid ? (targets.values as TargetArray) : null,
    labels,
    probabilities: !sigmoid && labels === null ? asFloats(targets.values) : null,
  };
}

/** The kernel's input: `n` rows of the checked arrays under the settings. */
export function kernelBatch(settings: LossSettings, n: number, data: BatchArrays): KernelBatch {
  const common = {
    n,
    c: settings.meta.c,
    logits: data.logits,
    weights: data.weights,
    alpha: settings.alpha,
    gamma: settings.gamma,
    gammas: settings.gammas,
    polyEpsilon: settings.polyEpsilon,
    asymmetric: settings.asymmetric,
    labelSmoothing: settings.labelSmoothing,
    reduction: settings.reduction,
    normalizer: settings.normalizer,
    wantGradient: settings.outputs.has('gradient'),
    wantLosses: settings.outputs.has('losses'),
    ...(settings.evaluation !== undefined ? { evaluation: settings.evaluation } : {}),
  };
  return settings.mode === 'multiclass'
    ? { mode: settings.mode, ...common, labels: data.labels, probabilities: data.probabilities }
    : { mode: settings.mode, ...common, targets: data.targets as TargetArray };
}

/** Probability rows for the softmax kernel: float dtypes as they are, integer ones (one-hot rows) as float64. */
function asFloats(values: TensorValues): FloatArray {
  return values instanceof Float64Array || values instanceof Float32Array ? values : Float64Array.from(values);
}
