/**
 * The POST /loss 200 response: its TypeScript type and OpenAPI description. Responses are
 * serialised by tensors/encode-loss-response.ts and checked against this schema in the tests.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ModeSchema, ReductionSchema, VariantSchema } from './loss-request.js';
import { EncodedTensorRef } from './encoded-tensor.js';
import { PT_BINS } from '../kernels/pt-histogram.js';

const Count = Type.Integer({ minimum: 0 });

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
    suggested_alpha: Type.Number({
      description:
        'binary/multilabel: negatives / N, the "balanced" alpha for this label. multiclass: 1 / ln(1.02 + support / count), ' +
        'an inverse-log-frequency class weight.',
    }),
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
    meta: MetaSchema,
  },
  { $id: 'LossResponse', additionalProperties: false },
);

export type LossResponse = Static<typeof LossResponseSchema>;
export type ClassStats = Static<typeof ClassStatsSchema>;
export type Stats = Static<typeof StatsSchema>;
export type Meta = Static<typeof MetaSchema>;
