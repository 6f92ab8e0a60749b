/**
 * The three "models" this service exposes over the Open Inference Protocol (one per focal-loss
 * mode), what inputs each takes and what outputs each can return. The model metadata endpoint,
 * input decoding and output selection all read this one table.
 */
import { ProblemError } from '../errors/problem-error.js';
import type { Mode } from '../kernels/types.js';
import { CALIBRATION_BINS, PT_BINS } from 'focal-loss-client/merge';
import type { OipModelMetadata } from '../schemas/oip.js';
import { INTEGER_DATATYPES, type SupportedDatatype } from './datatypes.js';

export const MODEL_VERSION = '1';
export const MODEL_PLATFORM = 'focal-loss-service';

export const INPUT_NAMES = ['logits', 'targets', 'weights', 'alpha', 'gamma', 'gamma_pos', 'gamma_neg'] as const;
export type InputName = (typeof INPUT_NAMES)[number];

export interface InputSpec {
  name: InputName;
  /** Datatypes accepted, the usual one first (reported as the metadata's `datatype`). */
  datatypes: readonly SupportedDatatype[];
  /** Metadata shape, -1 for variable dimensions. */
  shape: number[];
  optional: boolean;
  description: string;
}

/** How an output's values are typed: float results (FP64 unless FP32 is asked) or exact counts (INT64). */
export type OutputKind = 'float' | 'count';

export interface OutputSpec {
  name: string;
  kind: OutputKind;
  shape: number[];
  description: string;
  /**
   * Returned only when the request names it (not in the default "every output"): the confusion
   * matrix grows with C^2, and a sweep is asked for with parameters.
   */
  onlyWhenNamed?: true;
}

export interface OipModel {
  name: string;
  mode: Mode;
  inputs: InputSpec[];
  outputs: OutputSpec[];
}

const FLOATS: SupportedDatatype[] = ['FP32', 'FP64', 'FP16', 'BF16'];
const TARGET_TYPES_LABELS: SupportedDatatype[] = ['FP32', 'FP64', 'FP16', 'BF16', ...INTEGER_DATATYPES, 'BOOL'];
// BOOL in multiclass: one-hot rows [N, C] (or class ids 0/1).
const TARGET_TYPES_CLASS_IDS: SupportedDatatype[] = ['INT64', 'INT32', 'UINT8', 'FP32', 'FP64', 'FP16', 'BF16', 'BOOL'];

function inputs(mode: Mode): InputSpec[] {
  const row = mode === 'binary' ? [-1] : [-1, -1];
  return [
    {
      name: 'logits',
      datatypes: FLOATS,
      shape: row,
      optional: false,
      description:
        mode === 'binary'
          ? 'Raw scores [N] (or [N, 1]), finite.'
          : 'Raw scores [N, C], finite' + (mode === 'multiclass' ? ' (one softmax per row).' : ' (C independent sigmoids per row).'),
    },
    {
      name: 'targets',
      datatypes: mode === 'multiclass' ? TARGET_TYPES_CLASS_IDS : TARGET_TYPES_LABELS,
      shape: mode === 'multiclass' ? [-1] : row,
      optional: false,
      description:
        mode === 'multiclass'
          ? 'Integer class ids [N] in [0, C) (or equal to the ignore_index parameter), or probability rows [N, C] ' +
            '(each >= 0, each row summing to 1 within 1e-6).'
          : 'Labels in [0, 1] (soft labels allowed), the shape of logits.',
    },
    { name: 'weights', datatypes: FLOATS, shape: [-1], optional: true, description: 'Per-row weights [N], finite and >= 0.' },
    {
      name: 'alpha',
      datatypes: FLOATS,
      shape: [-1],
      optional: true,
      description:
        mode === 'multiclass'
          ? 'Per-class weights [C], finite and >= 0 (instead of the scalar alpha parameter).'
          : 'Per-label alpha [C] in [0, 1], the weight of the positives (instead of the scalar alpha parameter).',
    },
    ...perClassExponents(mode),
  ];
}

/**
 * Per-class focusing exponents [C] (instead of the scalar parameters, which are all tritonclient can
 * send): gamma in multilabel and multiclass mode, gamma_pos and gamma_neg (variant asymmetric) in
 * multilabel mode. Binary models have one class and take the scalar parameters only.
 */
function perClassExponents(mode: Mode): InputSpec[] {
  const spec = (name: InputName, description: string): InputSpec => ({ name, datatypes: FLOATS, shape: [-1], optional: true, description });
  if (mode === 'binary') return [];
  const gamma = spec('gamma', 'A gamma per class [C], each in [0, 20] (instead of the scalar gamma parameter; variants focal and poly1).');
  if (mode === 'multiclass') return [gamma];
  return [
    gamma,
    spec('gamma_pos', 'variant asymmetric: gamma_pos per label [C], each in [0, 20] (instead of the gamma_pos parameter).'),
    spec('gamma_neg', 'variant asymmetric: gamma_neg per label [C], each in [0, 20] (instead of the gamma_neg parameter).'),
  ];
}

function outputs(mode: Mode): OutputSpec[] {
  const sigmoid = mode !== 'multiclass';
  const perRow = mode === 'binary' ? [-1] : [-1, -1];
  const perClass = mode === 'binary' ? [1] : [-1];
  const list: (OutputSpec | false)[] = [
    { name: 'loss', kind: 'float', shape: [1], description: 'The reduced loss (for reduction none, the sum of the losses).' },
    { name: 'gradient', kind: 'float', shape: perRow, description: 'd(loss)/d(logits), the shape of logits.' },
    {
      name: 'losses',
      kind: 'float',
      shape: mode === 'multiclass' ? [-1] : perRow,
      description: mode === 'multiclass' ? 'Per-row losses [N].' : 'Per-element losses, the shape of logits.',
    },
    { name: 'count', kind: 'count', shape: [1], description: 'Elements (binary, multilabel) or non-ignored rows (multiclass) counted.' },
    {
      name: 'denominator',
      kind: 'float',
      shape: [1],
      description: 'What the mean divided by (the count or the normalizer); 1 for sum and none.',
    },
    mode === 'multiclass' && {
      name: 'accuracy',
      kind: 'float',
      shape: [1],
      description: 'Share of counted rows whose arg-max logit is their class.',
    },
    {
      name: 'class_support',
      kind: 'count',
      shape: perClass,
      description: sigmoid ? 'Positives (y >= 0.5) per label.' : 'Rows of each class.',
    },
    { name: 'class_loss_sum', kind: 'float', shape: perClass, description: 'Loss summed per class (label), weights included.' },
    sigmoid && { name: 'class_pos_loss_sum', kind: 'float', shape: perClass, description: 'Loss of the positive elements per label.' },
    sigmoid && { name: 'class_neg_loss_sum', kind: 'float', shape: perClass, description: 'Loss of the negative elements per label.' },
    { name: 'class_tp', kind: 'count', shape: perClass, description: 'True positives per class (label).' },
    { name: 'class_fp', kind: 'count', shape: perClass, description: 'False positives per class (label).' },
    { name: 'class_fn', kind: 'count', shape: perClass, description: 'False negatives per class (label).' },
    { name: 'class_precision', kind: 'float', shape: perClass, description: 'tp / (tp + fp), 0 when undefined.' },
    { name: 'class_recall', kind: 'float', shape: perClass, description: 'tp / (tp + fn), 0 when undefined.' },
    {
      name: 'class_pt_histogram',
      kind: 'count',
      shape: [...perClass, PT_BINS],
      description:
        `Per class, counts of p_t (the predicted probability of the true label) in ${PT_BINS} equal bins over [0, 1]: ` +
        'low bins are the hard examples, high bins the easy ones.',
    },
    {
      name: 'class_suggested_alpha',
      kind: 'float',
      shape: perClass,
      description:
        (sigmoid ? 'r(f) / (r(f) + r(1 - f)) per label, f = positives / N' : 'r(f_k) / sum_j f_j r(f_j) per class, f_k = support / count') +
        ', r(x) = 1 / ln(1.02 + x); 0 where POST /loss says null (a label without positives or negatives, a class without support).',
    },
    { name: 'class_tn', kind: 'count', shape: perClass, description: 'True negatives per class (label).' },
    { name: 'class_f1', kind: 'float', shape: perClass, description: '2 tp / (2 tp + fp + fn), 0 when undefined.' },
    {
      name: 'calibration_bins',
      kind: 'float',
      shape: [CALIBRATION_BINS, 3],
      description:
        `${CALIBRATION_BINS} equal-width bins over [0, 1], each [count, value sum, hit sum]: ` +
        (sigmoid
          ? "every element's p = sigmoid(z), pooled over the labels, against y >= 0.5."
          : "each counted row's confidence (largest softmax probability), against whether its prediction is right."),
    },
    { name: 'ece', kind: 'float', shape: [1], description: 'Expected calibration error over the calibration bins.' },
    { name: 'mce', kind: 'float', shape: [1], description: 'Maximum calibration error over the non-empty calibration bins.' },
    { name: 'brier', kind: 'float', shape: [1], description: 'Mean Brier score against the unsmoothed targets (weights ignored).' },
    {
      name: 'nll',
      kind: 'float',
      shape: [1],
      description: 'Mean negative log-likelihood against the unsmoothed targets (weights ignored).',
    },
    mode === 'multilabel' && {
      name: 'classwise_ece',
      kind: 'float',
      shape: [1],
      description: "The mean over labels of each label's own expected calibration error.",
    },
    mode === 'multilabel' && {
      name: 'column_calibration_bins',
      kind: 'float',
      shape: [-1, CALIBRATION_BINS, 3],
      description:
        `Per label, its own ${CALIBRATION_BINS} calibration bins, each [count, probability sum, positive sum] (calibration_bins ` +
        'is their sum): raw sums that add across batches, so merged answers give classwise_ece. Only when named in outputs.',
      onlyWhenNamed: true,
    },
    mode === 'multiclass' && {
      name: 'confusion',
      kind: 'count',
      shape: [-1, -1],
      description: 'confusion[t][p]: counted rows of true class t predicted as p (C <= 1000). Only when named in outputs.',
      onlyWhenNamed: true,
    },
    {
      name: 'sweep_loss',
      kind: 'float',
      shape: [-1, -1],
      description:
        'The loss at every gamma x alpha of the sweep_gamma and sweep_alpha parameters, [G, A] (a parameter left out: ' +
        "the request's own value). Only when named in outputs.",
      onlyWhenNamed: true,
    },
  ];
  return list.filter((o): o is OutputSpec => o !== false);
}

function model(name: string, mode: Mode): OipModel {
  return { name, mode, inputs: inputs(mode), outputs: outputs(mode) };
}

export const MODELS: ReadonlyMap<string, OipModel> = new Map(
  [model('focal_loss_binary', 'binary'), model('focal_loss_multilabel', 'multilabel'), model('focal_loss_multiclass', 'multiclass')].map(
    (m) => [m.name, m],
  ),
);

/** The path parameters of a /v2/models/{model_name}[/versions/{model_version}] route. */
export interface ModelPath {
  model_name: string;
  model_version?: string;
}

/** The model named in a URL when it exists (and its version, when given, does too), else undefined. */
export function findModel({ model_name: name, model_version: version }: ModelPath): OipModel | undefined {
  return version === undefined || version === MODEL_VERSION ? MODELS.get(name) : undefined;
}

/** The model named in a URL (and its version, when given), or a 400 naming what exists. */
export function resolveModel({ model_name: name, model_version: version }: ModelPath): OipModel {
  const model = MODELS.get(name);
  if (model === undefined) {
    throw new ProblemError('invalid-request', `unknown model "${name.slice(0, 100)}"; the models are ${[...MODELS.keys()].join(', ')}`);
  }
  if (version !== undefined && version !== MODEL_VERSION) {
    throw new ProblemError(
      'invalid-request',
      `model ${name} has no version "${version.slice(0, 100)}"; its only version is ${MODEL_VERSION}`,
    );
  }
  return model;
}

/** An output's datatype as the model describes it: FP64 for values (FP32 on request), INT64 for counts. */
export function outputDatatype(output: OutputSpec): SupportedDatatype {
  return output.kind === 'count' ? 'INT64' : 'FP64';
}

/** The model metadata response: every input and output with its usual datatype and shape (-1 variable). */
export function modelMetadata(model: OipModel): OipModelMetadata {
  return {
    name: model.name,
    versions: [MODEL_VERSION],
    platform: MODEL_PLATFORM,
    inputs: model.inputs.map((i) => ({
      name: i.name,
      datatype: i.datatypes[0],
      shape: i.shape,
      parameters: { datatypes: i.datatypes.join(','), optional: i.optional, description: i.description },
    })),
    outputs: model.outputs.map((o) => ({
      name: o.name,
      datatype: outputDatatype(o),
      shape: o.shape,
      parameters: {
        datatypes: o.kind === 'count' ? 'INT64' : 'FP64,FP32',
        optional: true,
        description: o.description,
        ...(o.onlyWhenNamed === true ? { only_when_named: true } : {}),
      },
    })),
  };
}
