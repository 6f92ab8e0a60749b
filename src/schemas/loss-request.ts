/**
 * The POST /loss request body: the single source of its validation (Ajv, via Fastify), its
 * TypeScript type and its OpenAPI description. Rules a JSON schema cannot express (ragged rows,
 * N/C agreement, class ids in range, finite values) are checked once in tensors/.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EncodedTensorRef, FLOAT_DTYPES } from './encoded-tensor.js';

export const MODES = ['binary', 'multilabel', 'multiclass'] as const;
export const REDUCTIONS = ['mean', 'sum', 'none'] as const;
export const OUTPUTS = ['loss', 'losses', 'gradient', 'stats', 'confusion', 'column_calibration'] as const;
export const ENCODINGS = ['json', 'base64'] as const;

export const ModeSchema = Type.Union(
  MODES.map((m) => Type.Literal(m)),
  {
    description:
      '`binary`: one sigmoid output per example (logits `number[N]`). `multilabel`: C independent sigmoid outputs per ' +
      'example (logits `number[N][C]`). `multiclass`: one softmax over C classes per example (logits `number[N][C]`).',
  },
);

export const ReductionSchema = Type.Union(
  REDUCTIONS.map((r) => Type.Literal(r)),
  {
    default: 'mean',
    description:
      '`mean` (default): the sum of all losses divided by `normalizer` when given, else by the count: N in binary mode, ' +
      'N*C in multilabel mode, the number of non-ignored rows in multiclass mode (weights do not change the ' +
      'denominator). `sum`: the sum. `none`: `losses` holds every per-element (per-row in multiclass) loss and `loss` ' +
      'their sum.',
  },
);

export const OutputSchema = Type.Union(OUTPUTS.map((o) => Type.Literal(o)));

const NumberVector = Type.Array(Type.Number());
const NumberMatrix = Type.Array(Type.Array(Type.Number()));
/**
 * Dense predictions as JSON: nested arrays of rank 3 to 8. Their form (regular, numbers at the
 * innermost level, the rank) is checked while they are read (tensors/dense-shapes.ts).
 */
const NestedNumbers = Type.Array(Type.Array(Type.Array(Type.Unknown())));

export const VARIANTS = ['focal', 'asymmetric', 'poly1'] as const;

export const VariantSchema = Type.Union(
  VARIANTS.map((v) => Type.Literal(v)),
  {
    default: 'focal',
    description:
      '`focal` (default): the focal loss defined above. `asymmetric` (binary and multilabel; ASL, Ridnik et al. 2021): ' +
      "loss = w [y' a_pos (1 - p)^gamma_pos (-log p) + (1 - y') a_neg p_m^gamma_neg (-log(1 - p_m))], p_m = max(p - " +
      'clip, 0), a_pos = alpha and a_neg = 1 - alpha (both 1 when alpha is null, its default with this variant). ' +
      '`poly1` (Leng et al. 2022): the focal loss plus w epsilon (1 - p_t)^(gamma + 1) per element (binary, ' +
      "multilabel) or w sum_k y'_k epsilon (1 - p_k)^(gamma_k + 1) per row (multiclass).",
  },
);

/** One focusing exponent, or one per class (length C, checked in tensors/). */
export const GammaValue = Type.Number({ minimum: 0, maximum: 20 });
const GammaList = Type.Array(GammaValue, { minItems: 1 });

/** Most gamma x alpha settings one sweep may ask for (each is a full pass over the batch). */
export const MAX_SWEEP_SETTINGS = 64;

export const SweepSchema = Type.Object(
  {
    gamma: Type.Optional(Type.Array(Type.Number({ minimum: 0, maximum: 20 }), { minItems: 1, maxItems: MAX_SWEEP_SETTINGS })),
    alpha: Type.Optional(
      Type.Array(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]), {
        minItems: 1,
        maxItems: MAX_SWEEP_SETTINGS,
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      `The loss of the same batch at every gamma x alpha pair (at most ${MAX_SWEEP_SETTINGS} in all), returned as ` +
      "`sweep`, gamma outer, alpha inner; each entry's `loss` is what this request with that gamma and alpha would " +
      "return. A list left out is the request's own value. alpha entries are numbers (as the scalar `alpha`) or null. " +
      'Reduction must be `mean` or `sum`.',
  },
);

export const LossRequestSchema = Type.Object(
  {
    mode: ModeSchema,
    logits: Type.Union([NumberVector, NumberMatrix, NestedNumbers, EncodedTensorRef], {
      description:
        'Raw scores (before sigmoid or softmax), finite. `number[N]` in binary mode, `number[N][C]` (rows of equal ' +
        'length) in multilabel and multiclass mode; or an encoded tensor (`float32` or `float64`) of that shape. Dense ' +
        'predictions: `[N, C, d1, ..., dk]` (binary `[N, d1, ..., dk]`), rank 3 to 8, class axis 1, as nested arrays ' +
        'or an encoded tensor; every position is a row (element) of its own.',
    }),
    targets: Type.Union([NumberVector, NumberMatrix, NestedNumbers, EncodedTensorRef], {
      description:
        'binary: `number[N]` in [0, 1] (soft labels allowed). multilabel: `number[N][C]` in [0, 1]. multiclass: integer ' +
        'class ids `number[N]` in [0, C) (or equal to `ignore_index`), or probability rows `number[N][C]` (each value ' +
        '>= 0, each row summing to 1 within 1e-6). Or an encoded tensor of that shape, any dtype (e.g. `uint8` labels ' +
        "or class ids). With dense logits: class ids `[N, d1, ..., dk]` or the logits' shape (multiclass), the " +
        "logits' shape otherwise.",
    }),
    gamma: Type.Optional(
      Type.Union([GammaValue, GammaList], {
        default: 2,
        description:
          'Focusing parameter: each loss is multiplied by (1 - p_t)^gamma. gamma = 0 is exactly (alpha-weighted) ' +
          'cross-entropy. Any real value in [0, 20]; integers 0-4 take a faster path. multilabel and multiclass: a list ' +
          'of C values gives column / class k its own gamma_k (variants `focal` and `poly1`). Refused with `variant: ' +
          '"asymmetric"`, which has `gamma_pos` and `gamma_neg` instead.',
      }),
    ),
    variant: Type.Optional(VariantSchema),
    gamma_pos: Type.Optional(
      Type.Union([GammaValue, GammaList], {
        default: 0,
        description:
          '`variant: "asymmetric"` only: the focusing exponent of the positive part, (1 - p)^gamma_pos. A list of C ' +
          'values in multilabel mode.',
      }),
    ),
    gamma_neg: Type.Optional(
      Type.Union([GammaValue, GammaList], {
        default: 4,
        description:
          '`variant: "asymmetric"` only: the focusing exponent of the negative part, p_m^gamma_neg. A list of C values ' +
          'in multilabel mode.',
      }),
    ),
    clip: Type.Optional(
      Type.Number({
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0.05,
        description:
          '`variant: "asymmetric"` only: the probability margin in [0, 1); negatives use p_m = max(p - clip, 0), so ' +
          'negatives with p <= clip add no loss and no gradient.',
      }),
    ),
    epsilon: Type.Optional(
      Type.Number({
        minimum: -1,
        maximum: 100,
        default: 1,
        description:
          '`variant: "poly1"` only: the coefficient of the added term epsilon (1 - p_t)^(gamma + 1) (not weighted by ' +
          'alpha), in [-1, 100]. The loss may be negative when epsilon < 0; epsilon 0 is plain focal loss.',
      }),
    ),
    alpha: Type.Optional(
      Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null(), Type.Array(Type.Number({ minimum: 0 })), EncodedTensorRef], {
        description:
          'Class weighting. binary/multilabel (torchvision / RetinaNet convention): alpha weights the positives and ' +
          '1 - alpha the negatives, a_t = alpha y + (1 - alpha)(1 - y); default 0.25, which gives positives LESS weight ' +
          '(see `stats.classes[].suggested_alpha`); a list gives one alpha per label (length C, each in [0, 1]). ' +
          'multiclass: one number weights every class equally, a list of length C weights class k by alpha[k] (each ' +
          'finite and >= 0); default null. `null`: no weighting (a_t = 1). A list may be an encoded tensor ' +
          '(`float32` or `float64`, shape `[C]`).',
      }),
    ),
    reduction: Type.Optional(ReductionSchema),
    normalizer: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'With reduction `mean`, divide the sum by this number instead of the count (for example the number of ' +
          'positive anchors, as in RetinaNet). Must be finite and > 0; with `sum` or `none`, which divide by nothing, ' +
          'it is a 400.',
      }),
    ),
    weights: Type.Optional(
      Type.Union([Type.Array(Type.Number({ minimum: 0 })), EncodedTensorRef], {
        description:
          'Per-example weights `number[N]`, finite and >= 0, multiplying every loss of that example (each of its C ' +
          'elements in multilabel mode); or an encoded tensor (`float32` or `float64`, shape `[N]`). They do not ' +
          "change the mean's denominator.",
      }),
    ),
    ignore_index: Type.Optional(
      Type.Integer({
        minimum: -2147483648,
        maximum: 2147483647,
        description:
          'multiclass with integer class-id targets only: rows whose target equals this value contribute no loss, get ' +
          'a zero gradient and are not counted (e.g. -100 as in PyTorch).',
      }),
    ),
    label_smoothing: Type.Optional(
      Type.Number({
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0,
        description:
          "eps in [0, 1). binary/multilabel: y' = y (1 - eps) + eps / 2. multiclass: y'_k = y_k (1 - eps) + eps / C. " +
          'Statistics (support, tp, fp, fn) use the unsmoothed targets.',
      }),
    ),
    class_names: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        description: 'Optional names of the C classes (labels), echoed as `stats.classes[].name`.',
      }),
    ),
    outputs: Type.Optional(
      Type.Array(OutputSchema, {
        uniqueItems: true,
        minItems: 1,
        description:
          'Which results to return. Default: `loss`, `gradient` and `stats`, plus `losses` when reduction is `none`. ' +
          '`loss` and `meta` are always returned. `gradient` is d(`loss`)/d(`logits`), the derivative of the returned ' +
          '(reduced) loss, shaped like `logits` (for reduction `none`, of the sum of `losses`). `confusion` (multiclass, ' +
          'C <= 1000) adds `stats.confusion`, the C x C confusion matrix, and implies `stats`. `column_calibration` ' +
          "(multilabel) adds `stats.calibration.column_bins`, each label's own calibration bins (C x 15 x 3), so that " +
          'reports of several batches merge into `classwise_ece`; it implies `stats`.',
      }),
    ),
    class_balance_beta: Type.Optional(
      Type.Number({
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0.999,
        description:
          'beta of `stats.classes[].class_balanced_alpha` (Cui et al. 2019, effective number of samples ' +
          '(1 - beta^n) / (1 - beta)), in [0, 1).',
      }),
    ),
    sweep: Type.Optional(SweepSchema),
    encoding: Type.Optional(
      Type.Union(
        ENCODINGS.map((e) => Type.Literal(e)),
        {
          default: 'json',
          description:
            'How `gradient` and `losses` are returned: `json` (default) as number arrays, `base64` as encoded tensors of ' +
            'dtype `dtype` (much faster to produce and to parse for large batches).',
        },
      ),
    ),
    dtype: Type.Optional(
      Type.Union(
        FLOAT_DTYPES.map((d) => Type.Literal(d)),
        {
          default: 'float64',
          description:
            'With `encoding: "base64"` only: the dtype of the returned tensors, `float64` (default, exact) or `float32` ' +
            '(half the bytes; a value beyond the float32 range is a 422).',
        },
      ),
    ),
  },
  {
    $id: 'LossRequest',
    additionalProperties: false,
    description: 'A batch of logits and targets and the focal-loss settings to apply to it.',
  },
);

export type LossRequest = Static<typeof LossRequestSchema>;
export type Mode = (typeof MODES)[number];
export type Reduction = (typeof REDUCTIONS)[number];
export type Output = (typeof OUTPUTS)[number];
export type Encoding = (typeof ENCODINGS)[number];
export type Variant = (typeof VARIANTS)[number];
