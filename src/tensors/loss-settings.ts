/**
 * The settings of a loss computation, resolved once from a request's fields without its data:
 * defaults, the option combinations a mode allows, alpha per class, what goes back (outputs,
 * encoding) and the conventions the answer reports (meta). POST /loss, /v2 (through the loss
 * request it builds) and the CLI (its flags, before any row is read) all resolve settings here,
 * so a setting is accepted, defaulted and reported in the same words everywhere.
 */
import { denominatorSource } from 'focal-loss-client/merge';
import type { AsymmetricTerms, EvaluationRequest, FloatArray } from '../kernels/types.js';
import type { LossRequest, Mode, Output, Reduction } from '../schemas/loss-request.js';
import type { Meta } from '../schemas/loss-response.js';
import { FLOAT_DTYPES, type FloatDtype } from '../schemas/encoded-tensor.js';
import { decodeEvaluation, type DecodedSweep } from './decode-evaluation.js';
import { decodeVariant } from './decode-variant.js';
import type { FieldErrors } from './field-errors.js';
import { declaredShape, readField, shapePath, type DecodedTensor, type FieldValue } from './field-tensor.js';
import { checkRange, NON_NEGATIVE, UNIT_INTERVAL } from './value-checks.js';

export { DEFAULT_GAMMA, DEFAULT_SIGMOID_ALPHA } from './decode-variant.js';

export type TargetFormat = Meta['target_format'];

/** How gradient and losses go back: JSON number arrays, or encoded tensors of a float dtype. */
export type ResponseEncoding = 'json' | FloatDtype;

/** A request's settings: every field but the tensors (alpha may still be a per-class list or tensor). */
export type SettingsFields = Omit<LossRequest, 'logits' | 'targets' | 'weights' | 'alpha'> & {
  alpha?: LossRequest['alpha'] | DecodedTensor;
};

/** What the settings are resolved against: the batch's dimensions and the form of its targets. */
export interface BatchDims {
  n: number;
  c: number;
  targetFormat: TargetFormat;
}

export interface LossSettings {
  mode: Mode;
  /** The kernel's scalar gamma (0 where it is not used: per-class lists, the asymmetric loss). */
  gamma: number;
  /** Per-class gamma (length C), or null for `gamma` everywhere. */
  gammas: Float64Array | null;
  /** Poly-1's epsilon; 0 for the other variants. */
  polyEpsilon: number;
  /** The asymmetric loss's terms, or null for the other variants. */
  asymmetric: AsymmetricTerms | null;
  /** Length C, or null for no weighting (as the kernels read it). */
  alpha: FloatArray | null;
  labelSmoothing: number;
  reduction: Reduction;
  normalizer: number | null;
  /** The class id marking ignored rows, as the client gave it (the kernels see -1). */
  ignoreIndex: number | null;
  outputs: ReadonlySet<Output>;
  classNames: string[] | null;
  encoding: ResponseEncoding;
  /** The conventions applied, minus what only the kernel knows (count, denominator). */
  meta: Omit<Meta, 'count' | 'denominator'>;
  /** What the kernel computes beyond the loss and the per-class counters (calibration, confusion, sweep); undefined for nothing. */
  evaluation: EvaluationRequest | undefined;
  /** beta of stats.classes[].class_balanced_alpha. */
  classBalanceBeta: number;
  /** The sweep's settings as echoed, in the order of the kernel's sweep sums (null without a sweep). */
  sweep: DecodedSweep | null;
}

/** The form of the targets: sigmoid labels, or multiclass class ids [N] or probability rows [N, C]. */
export function targetFormatOf(mode: Mode, targetsRank: number): TargetFormat {
  if (mode !== 'multiclass') return 'labels';
  return targetsRank === 1 ? 'class_ids' : 'probabilities';
}

/**
 * Resolves the settings, adding an error for every field that does not fit (the caller throws
 * them with the data's errors, so a client hears about everything at once). Returns null when
 * an error was added.
 */
export function resolveSettings(fields: SettingsFields, dims: BatchDims, errors: FieldErrors): LossSettings | null {
  const { mode } = fields;
  const { n, c, targetFormat } = dims;
  const sigmoid = mode !== 'multiclass';
  const before = errors.count;

  if (fields.class_names !== undefined && fields.class_names.length !== c) {
    errors.add(['class_names'], `has ${fields.class_names.length} names; must have one per class (C = ${c})`);
  }
  const ignoreIndex = fields.ignore_index ?? null;
  if (ignoreIndex !== null && targetFormat !== 'class_ids') {
    errors.add(['ignore_index'], 'applies only to multiclass mode with integer class-id targets');
  }
  if (fields.dtype !== undefined && fields.encoding !== 'base64') {
    errors.add(['dtype'], 'applies only with encoding "base64" (JSON numbers are float64)');
  }
  const reduction = fields.reduction ?? 'mean';
  if (fields.normalizer !== undefined && !Number.isFinite(fields.normalizer)) {
    errors.add(['normalizer'], 'must be a finite number > 0');
  } else if (fields.normalizer !== undefined && reduction !== 'mean') {
    // Only mean divides; a normalizer with sum or none would be dropped without a word.
    errors.add(['normalizer'], `applies only with reduction "mean" (reduction "${reduction}" divides by nothing)`);
  }

  const variant = decodeVariant(fields, mode, c, errors);
  if (fields.sweep !== undefined && (variant.asymmetric !== null || variant.gammas !== null)) {
    // A sweep setting replaces the one gamma; per-class exponents and the asymmetric pair have no one gamma to replace.
    errors.add(['sweep'], 'applies only with one gamma (variant "focal" or "poly1" and a number for gamma)');
  }

  // Alpha: absent -> the mode's default; null -> no weighting; number -> every class; list -> per class.
  const alphaValue = fields.alpha;
  let alphaEcho: number | number[] | null;
  let alpha: FloatArray | null = null;
  if (alphaValue !== undefined && alphaValue !== null && typeof alphaValue !== 'number') {
    const list = alphaList(alphaValue as FieldValue, c, sigmoid, errors);
    alpha = list;
    alphaEcho = list === null ? null : Array.from(list);
  } else {
    alphaEcho = alphaValue === undefined ? (sigmoid ? variant.sigmoidAlphaDefault : null) : alphaValue;
    if (typeof alphaEcho === 'number') alpha = new Float64Array(c).fill(alphaEcho);
  }
  const outputs = new Set<Output>(fields.outputs ?? ['loss', 'gradient', 'stats', ...(reduction === 'none' ? ['losses' as const] : [])]);
  outputs.add('loss');
  const gamma = variant.gamma;
  const evaluation = decodeEvaluation(fields, outputs, { mode, c, reduction, gamma, alpha, alphaEcho }, errors);
  if (errors.count > before) return null;
  const labelSmoothing = fields.label_smoothing ?? 0;
  const normalizer = fields.normalizer ?? null;
  return {
    mode,
    gamma,
    gammas: variant.gammas,
    polyEpsilon: variant.polyEpsilon,
    asymmetric: variant.asymmetric,
    alpha,
    labelSmoothing,
    reduction,
    normalizer,
    ignoreIndex,
    outputs,
    classNames: fields.class_names ?? null,
    encoding: fields.encoding === 'base64' ? (fields.dtype ?? 'float64') : 'json',
    evaluation: evaluation.evaluation,
    classBalanceBeta: evaluation.classBalanceBeta,
    sweep: evaluation.sweep,
    meta: {
      mode,
      reduction,
      denominator_source: denominatorSource(reduction, normalizer),
      ...variant.meta,
      alpha: alphaEcho,
      alpha_convention: alphaEcho === null ? 'none' : sigmoid ? 'positive_weight' : 'class_weight',
      label_smoothing: labelSmoothing,
      ignore_index: ignoreIndex,
      target_format: targetFormat,
      n,
      c,
    },
  };
}

/** A per-class alpha list: [C] values in [0, 1] (sigmoid modes) or >= 0 (multiclass); null on error. */
function alphaList(value: FieldValue, c: number, sigmoid: boolean, errors: FieldErrors): FloatArray | null {
  if (!checkVectorShape('alpha', value, 'C', c, errors)) return null;
  const list = readField('alpha', value, FLOAT_DTYPES, 1, errors);
  if (list === null) return null;
  const before = errors.count;
  checkRange(list, sigmoid ? UNIT_INTERVAL : NON_NEGATIVE, errors);
  return errors.count > before ? null : (list.values as FloatArray);
}

/** weights [N] and alpha lists [C]: one value per row or per class. Returns whether the shape fits. */
export function checkVectorShape(field: string, value: FieldValue, dim: 'N' | 'C', length: number, errors: FieldErrors): boolean {
  const shape = declaredShape(value);
  const rule = dim === 'N' ? `logits has ${length} rows (N must agree)` : `must have one per class (C = ${length})`;
  if (shape.length !== 1) errors.add(shapePath(field, value), `must be a flat list [${dim}]`);
  else if (shape[0] !== length) errors.add(shapePath(field, value), `has ${shape[0]} values; ${rule}`);
  else return true;
  return false;
}
