/**
 * The loss variant of a request -> the kernel's terms and what `meta` echoes. Every rule about
 * `variant`, `gamma` (one value or one per class), `gamma_pos`, `gamma_neg`, `clip` and
 * `epsilon` is here, once, for POST /loss and the Open Inference Protocol alike: which fields
 * belong to which variant (a field another variant would drop is refused, never ignored), the
 * modes a variant or a list applies in, list lengths, and the defaults.
 */
import type { AsymmetricTerms, Mode } from '../kernels/types.js';
import { GammaValue, type LossRequest, type Variant } from '../schemas/loss-request.js';
import type { Meta } from '../schemas/loss-response.js';
import type { FieldErrors } from './field-errors.js';

export const DEFAULT_GAMMA = 2;
export const DEFAULT_SIGMOID_ALPHA = 0.25;
export const DEFAULT_GAMMA_POS = 0;
export const DEFAULT_GAMMA_NEG = 4;
export const DEFAULT_CLIP = 0.05;
export const DEFAULT_EPSILON = 1;

export type VariantFields = Pick<LossRequest, 'variant' | 'gamma' | 'gamma_pos' | 'gamma_neg' | 'clip' | 'epsilon'>;

export interface DecodedVariant {
  /** The kernel's scalar gamma (0 where it is not used: per-class lists, the asymmetric loss). */
  gamma: number;
  gammas: Float64Array | null;
  polyEpsilon: number;
  asymmetric: AsymmetricTerms | null;
  /** binary/multilabel alpha when the request gives none: 0.25 for focal loss, none for ASL. */
  sigmoidAlphaDefault: number | null;
  meta: Pick<Meta, 'variant' | 'gamma' | 'gamma_pos' | 'gamma_neg' | 'clip' | 'epsilon'>;
}

const MIN_EXPONENT = GammaValue.minimum as number;
const MAX_EXPONENT = GammaValue.maximum as number;

const ASYMMETRIC_ONLY = ['gamma_pos', 'gamma_neg', 'clip'] as const;

/** Adds every problem to `errors`; the result is meaningful only when none was added. */
export function decodeVariant(body: VariantFields, mode: Mode, c: number, errors: FieldErrors): DecodedVariant {
  const variant: Variant = body.variant ?? 'focal';
  if (variant !== 'poly1' && body.epsilon !== undefined) {
    errors.add(['epsilon'], `applies only with variant "poly1" (variant is "${variant}")`);
  }
  if (variant === 'asymmetric') {
    if (mode === 'multiclass') errors.add(['variant'], '"asymmetric" applies only in binary and multilabel mode');
    if (body.gamma !== undefined) {
      errors.add(['gamma'], 'is not used with variant "asymmetric"; give gamma_pos and gamma_neg instead');
    }
    const gammaPos = body.gamma_pos ?? DEFAULT_GAMMA_POS;
    const gammaNeg = body.gamma_neg ?? DEFAULT_GAMMA_NEG;
    const clip = body.clip ?? DEFAULT_CLIP;
    return {
      gamma: 0,
      gammas: null,
      polyEpsilon: 0,
      asymmetric: {
        gammaPos: perClass('gamma_pos', gammaPos, mode, c, errors, true),
        gammaNeg: perClass('gamma_neg', gammaNeg, mode, c, errors, true),
        clip,
      },
      sigmoidAlphaDefault: null,
      meta: { variant, gamma: null, gamma_pos: gammaPos, gamma_neg: gammaNeg, clip },
    };
  }
  for (const field of ASYMMETRIC_ONLY) {
    if (body[field] !== undefined) errors.add([field], `applies only with variant "asymmetric" (variant is "${variant}")`);
  }
  const gamma = body.gamma ?? DEFAULT_GAMMA;
  const gammas = typeof gamma === 'number' ? null : perClass('gamma', gamma, mode, c, errors, false);
  const epsilon = body.epsilon ?? DEFAULT_EPSILON;
  return {
    gamma: typeof gamma === 'number' ? gamma : 0,
    gammas,
    polyEpsilon: variant === 'poly1' ? epsilon : 0,
    asymmetric: null,
    sigmoidAlphaDefault: DEFAULT_SIGMOID_ALPHA,
    meta: { variant, gamma, ...(variant === 'poly1' ? { epsilon } : {}) },
  };
}

/**
 * One exponent per column / class: a number repeated, or a list of exactly C values, which only
 * multilabel (and, for gamma, multiclass) mode takes: binary has one column and one number.
 */
function perClass(field: string, value: number | number[], mode: Mode, c: number, errors: FieldErrors, sigmoidOnly: boolean): Float64Array {
  if (typeof value === 'number') return new Float64Array(c).fill(value);
  if (mode === 'binary') {
    errors.add(
      [field],
      `a list (one value per class) applies only in ${sigmoidOnly ? 'multilabel' : 'multilabel and multiclass'} mode; binary mode takes one number`,
    );
  } else if (value.length !== c) {
    errors.add([field], `has ${value.length} values; must have one per class (C = ${c})`);
  }
  // The request schema bounds JSON lists; a list decoded from a tensor (Open Inference Protocol) is checked here.
  value.forEach((v, k) => {
    if (!(v >= MIN_EXPONENT && v <= MAX_EXPONENT)) errors.add([field, k], `must be a finite number in [${MIN_EXPONENT}, ${MAX_EXPONENT}]`);
  });
  return Float64Array.from(value);
}
