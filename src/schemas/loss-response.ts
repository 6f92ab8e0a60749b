/**
 * The POST /loss 200 response: its TypeScript type and OpenAPI description. Responses are
 * serialised by tensors/encode-loss-response.ts and checked against this schema in the tests.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ModeSchema, ReductionSchema, VariantSchema } from './loss-request.js';
import { EncodedTensorRef } from './encoded-tensor.js';
import { CALIBRATION_BINS, PT_BINS } from 'focal-loss-client/merge';

const Count = Type.Integer({ minimum: 0 });
const NullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

export const ClassStatsSchema = Type.Object(
  {
    class: Type.Integer({ minimum: 0, description: 'Class (multiclass) or label column (binary, multilabel) index.' }),
    name: Type.Optional(Type.String({ description: 'The class name from `class_names`, when given.' })),
    support: Type.Integer({
      minimum: 0,
      description:
        'multiclass: rows of this class (its integer target, or the arg-max of its probability row). ' +
        'binary/multilabel: positives (y >= 0.5) in this column.',
    }),
    loss_sum: Type.Number({ description: 'Sum of the losses of those rows (multiclass) or of this column, weights included.' }),
    pos_loss_sum: Type.Optional(Type.Number({ description: 'binary/multilabel: loss summed over positive elements.' })),
    neg_loss_sum: Type.Optional(Type.Number({ description: 'binary/multilabel: loss summed over negative elements.' })),
    tp: Count,
    fp: Count,
    fn: Count,
    precision: Type.Number({ description: 'tp / (tp + fp), 0 when undefined.' }),
    recall: Type.Number({ description: 'tp / (tp + fn), 0 when undefined.' }),
    pt_histogram: Type.Array(Count, {
      minItems: PT_BINS,
      maxItems: PT_BINS,
      description:
        `Easy vs hard examples: counts of p_t, the predicted probability of the true (unsmoothed) label, in ${PT_BINS} ` +
        `equal bins over [0, 1] (bin k holds p_t in [k/${PT_BINS}, (k+1)/${PT_BINS}), the last one also 1). ` +
        'binary/multilabel: every element of this column (p for positives, 1 - p for negatives); multiclass: the rows ' +
        'of this class. Low bins are the hard examples the focal term keeps; high bins the easy ones it down-weights.',
    }),
    tn: Type.Integer({
      minimum: 0,
      description: 'Rows (multiclass) or elements of this column (binary, multilabel) neither of this class nor predicted as it.',
    }),
    f1: Type.Number({ description: '2 tp / (2 tp + fp + fn), 0 when undefined.' }),
    mean_loss: NullableNumber('loss_sum / support; null when support is 0.'),
    suggested_alpha: NullableNumber(
      'multiclass: r_k / sum_j f_j r_j with f_k = support_k / count and r_k = 1 / ln(1.02 + f_k), an inverse-log-frequency ' +
        'class weight normalised so that the support-weighted mean weight is 1 (pass the list back as `alpha`); null ' +
        'for a class with support 0. binary/multilabel: r(f) / (r(f) + r(1 - f)) with f = support / N, a weight for ' +
        'the positives, above 0.5 when they are rare; null when the column has no positive or no negative.',
    ),
    class_balanced_alpha: NullableNumber(
      'Cui et al. 2019 (effective number of samples E(n) = (1 - beta^n) / (1 - beta), beta = `class_balance_beta`): ' +
        'multiclass 1 / E(support_k) normalised as `suggested_alpha`; binary/multilabel w_pos / (w_pos + w_neg) with ' +
        'w = 1 / E(positives or negatives). null as `suggested_alpha`.',
    ),
  },
  { additionalProperties: false },
);

const AverageSchema = Type.Object({ precision: Type.Number(), recall: Type.Number(), f1: Type.Number() }, { additionalProperties: false });

export const AveragesSchema = Type.Object(
  {
    macro: AverageSchema,
    weighted: AverageSchema,
  },
  {
    additionalProperties: false,
    description:
      '`macro`: the unweighted mean over the classes that occur in the targets or the predictions (support + fp > 0). ' +
      '`weighted`: sum_k support_k m_k / sum_k support_k. Both 0 when no class qualifies.',
  },
);

const CalibrationBinSchema = Type.Object(
  {
    count: Count,
    confidence_sum: Type.Optional(Type.Number({ description: "multiclass: sum of the rows' confidences (largest softmax probability)." })),
    correct_sum: Type.Optional(Type.Number({ description: 'multiclass: rows whose prediction is their class.' })),
    probability_sum: Type.Optional(Type.Number({ description: "binary/multilabel: sum of the elements' p = sigmoid(z)." })),
    positive_sum: Type.Optional(Type.Number({ description: 'binary/multilabel: positive elements (y >= 0.5).' })),
  },
  { additionalProperties: false },
);

export const CalibrationSchema = Type.Object(
  {
    bins: Type.Array(CalibrationBinSchema, {
      minItems: CALIBRATION_BINS,
      maxItems: CALIBRATION_BINS,
      description:
        `${CALIBRATION_BINS} equal-width bins over [0, 1]; v falls in bin min(floor(v * ${CALIBRATION_BINS}), ${CALIBRATION_BINS - 1}). ` +
        "multiclass: each counted row's confidence; binary/multilabel: every element's p, pooled over the columns.",
    }),
    ece: Type.Number({ description: 'Expected calibration error: sum_b (count_b / count) |hits_b / count_b - values_b / count_b|.' }),
    mce: Type.Number({
      description: 'Maximum calibration error: the largest |hits_b / count_b - values_b / count_b| (0 if no bin has a count).',
    }),
    brier: Type.Number({
      description: 'Mean over rows (elements) of the squared error of the probabilities against the (unsmoothed) targets.',
    }),
    nll: Type.Number({ description: 'Mean negative log-likelihood (cross-entropy, natural log) against the unsmoothed targets.' }),
    classwise_ece: Type.Optional(Type.Number({ description: "multilabel: the mean over columns of each column's own ece." })),
    column_bins: Type.Optional(
      Type.Array(
        Type.Array(Type.Array(Type.Number(), { minItems: 3, maxItems: 3 }), { minItems: CALIBRATION_BINS, maxItems: CALIBRATION_BINS }),
        {
          description:
            `multilabel, with "column_calibration" in \`outputs\`: per label, its own ${CALIBRATION_BINS} bins, each ` +
            '[count, probability_sum, positive_sum] (`bins` is their sum over the labels). Raw sums that add across batches: ' +
            'a client merging the reports of several batches gets `classwise_ece` back from them.',
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'Calibration, from the unsmoothed targets, ignoring weights (always in a POST /loss `stats`).',
  },
);

export const SweepEntrySchema = Type.Object(
  {
    gamma: Type.Number(),
    alpha: Type.Union([Type.Number(), Type.Null(), Type.Array(Type.Number())], { description: 'The alpha of this setting.' }),
    loss: Type.Number({ description: 'What the same request with this gamma and alpha returns as `loss`.' }),
    class_loss_sum: Type.Array(Type.Number(), { description: 'Per class, the loss sum at this setting (as `stats.classes[].loss_sum`).' }),
  },
  { additionalProperties: false },
);

export const StatsSchema = Type.Object(
  {
    count: Type.Integer({
      minimum: 0,
      description: 'Elements (binary: N, multilabel: N*C) or non-ignored rows (multiclass) counted.',
    }),
    accuracy: Type.Optional(
      Type.Number({ description: 'multiclass: share of counted rows whose arg-max logit is their class (0 when none).' }),
    ),
    classes: Type.Array(ClassStatsSchema),
    averages: AveragesSchema,
    confusion: Type.Optional(
      Type.Array(Type.Array(Count), {
        description: 'multiclass, with `"confusion"` in `outputs`: confusion[t][p] = rows of true class t predicted as p.',
      }),
    ),
    calibration: Type.Optional(CalibrationSchema),
  },
  {
    additionalProperties: false,
    description:
      'Per-class statistics. A prediction is the arg-max of the logits (multiclass, lowest index on ties) or z >= 0 ' +
      '(binary, multilabel).',
  },
);

export const MetaSchema = Type.Object(
  {
    mode: ModeSchema,
    reduction: ReductionSchema,
    n: Type.Integer({ minimum: 1, description: 'Rows (examples) in the batch.' }),
    c: Type.Integer({ minimum: 1, description: 'Classes or labels per row (1 in binary mode).' }),
    count: Count,
    denominator: Type.Number({ description: 'What `loss` was divided by: the count or the normalizer for `mean`, 1 otherwise.' }),
    denominator_source: Type.Union([Type.Literal('count'), Type.Literal('normalizer'), Type.Literal('none')]),
    variant: Type.Optional(VariantSchema),
    gamma: Type.Union([Type.Number(), Type.Array(Type.Number()), Type.Null()], {
      description: 'The gamma applied: one number, or one per class; null with variant `asymmetric`.',
    }),
    gamma_pos: Type.Optional(Type.Union([Type.Number(), Type.Array(Type.Number())], { description: '`asymmetric` only.' })),
    gamma_neg: Type.Optional(Type.Union([Type.Number(), Type.Array(Type.Number())], { description: '`asymmetric` only.' })),
    clip: Type.Optional(Type.Number({ description: '`asymmetric` only.' })),
    epsilon: Type.Optional(Type.Number({ description: '`poly1` only.' })),
    alpha: Type.Union([Type.Number(), Type.Null(), Type.Array(Type.Number())], { description: 'The alpha applied.' }),
    alpha_convention: Type.Union([Type.Literal('positive_weight'), Type.Literal('class_weight'), Type.Literal('none')], {
      description:
        '`positive_weight`: alpha for positives, 1 - alpha for negatives (binary, multilabel). `class_weight`: alpha[k] ' +
        'multiplies the loss of class k (multiclass). `none`: no weighting.',
    }),
    label_smoothing: Type.Number(),
    ignore_index: Type.Union([Type.Integer(), Type.Null()]),
    target_format: Type.Union([Type.Literal('labels'), Type.Literal('class_ids'), Type.Literal('probabilities')], {
      description: '`labels`: values in [0, 1] (binary, multilabel). `class_ids` or `probabilities`: multiclass targets.',
    }),
  },
  { additionalProperties: false, description: 'The conventions actually applied to this request.' },
);

const NumberVector = Type.Array(Type.Number());
const NumberMatrix = Type.Array(Type.Array(Type.Number()));
/** Dense results (rank 3 to 8, the request's shape): nested arrays of numbers. */
const NestedNumbers = Type.Array(Type.Array(Type.Array(Type.Unknown())), { description: 'Nested arrays of numbers, rank 3 to 8.' });

export const LossResponseSchema = Type.Object(
  {
    loss: Type.Number({ description: 'The reduced loss (for `none`, the sum of `losses`).' }),
    gradient: Type.Optional(
      Type.Union([NumberVector, NumberMatrix, NestedNumbers, EncodedTensorRef], {
        description:
          'd(loss)/d(logits), the same shape as `logits` (for reduction `none`, of the sum), dense shapes included. An ' +
          'encoded tensor (`float64` or `float32`, the shape of `logits`) with `encoding: "base64"`.',
      }),
    ),
    losses: Type.Optional(
      Type.Union([NumberVector, NumberMatrix, NestedNumbers, EncodedTensorRef], {
        description:
          'Unreduced losses: `number[N]` (binary, multiclass) or `number[N][C]` (multilabel); for dense logits the shape ' +
          'of the class-id targets `[N, d1, ..., dk]` (multiclass) or of the logits; an encoded tensor of that shape with ' +
          '`encoding: "base64"`.',
      }),
    ),
    stats: Type.Optional(StatsSchema),
    sweep: Type.Optional(
      Type.Array(SweepEntrySchema, {
        description: 'With `sweep` in the request: the loss at every gamma x alpha pair, gamma outer, alpha inner.',
      }),
    ),
    meta: MetaSchema,
  },
  { $id: 'LossResponse', additionalProperties: false },
);

export type LossResponse = Static<typeof LossResponseSchema>;
export type ClassStats = Static<typeof ClassStatsSchema>;
export type Stats = Static<typeof StatsSchema>;
export type Averages = Static<typeof AveragesSchema>;
export type Calibration = Static<typeof CalibrationSchema>;
export type SweepEntry = Static<typeof SweepEntrySchema>;
export type Meta = Static<typeof MetaSchema>;
