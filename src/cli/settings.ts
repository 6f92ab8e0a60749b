/**
 * An evaluation's settings and its chunk plan, resolved by the service's own rules before any
 * row is read: the request schema (ranges, types) checks the flags as it checks a request's
 * fields, and tensors/loss-settings.ts resolves them (defaults, alpha per class, which options a
 * mode allows), so the CLI accepts exactly what the service accepts and says so in the same
 * words, naming the flag. Each chunk's rows are then checked by tensors/check-batch.ts, with
 * errors named by file and row.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ValueError } from '@sinclair/typebox/errors';
import { ProblemError } from '../errors/problem-error.js';
import { LossRequestSchema } from '../schemas/loss-request.js';
import { checkBatch, type BatchArrays } from '../tensors/check-batch.js';
import { FieldErrors, type NamePlace } from '../tensors/field-errors.js';
import type { FieldTensor } from '../tensors/field-tensor.js';
import { resolveSettings, type BatchDims, type LossSettings, type SettingsFields } from '../tensors/loss-settings.js';
import { MAX_CONFUSION_CLASSES } from '../tensors/decode-evaluation.js';
import type { FloatRows } from '../files/row-source.js';
import { CliError } from './cli-error.js';
import type { EvalOptions } from './eval-options.js';
import type { ChunkDense } from './chunk.js';

/** The settings fields of a loss request, without its tensors: what the flags can set. */
const SettingsSchema = Type.Omit(LossRequestSchema, ['logits', 'targets', 'weights']);

const FLAGS: Record<string, string> = {
  gamma: '--gamma',
  alpha: '--alpha',
  reduction: '--reduction',
  normalizer: '--normalizer',
  ignore_index: '--ignore-index',
  label_smoothing: '--label-smoothing',
  class_names: '--class-names',
  variant: '--variant',
  gamma_pos: '--gamma-pos',
  gamma_neg: '--gamma-neg',
  clip: '--clip',
  epsilon: '--epsilon',
  class_balance_beta: '--class-balance-beta',
  sweep: '--sweep-gamma/--sweep-alpha',
};

/** Where a sweep list's error points: the flag of that list. */
const SWEEP_FLAGS: Record<string, string> = { gamma: '--sweep-gamma', alpha: '--sweep-alpha' };

/**
 * How the rows are computed: in chunks, each with the evaluation's settings but reduction `sum`
 * (or `none`) and no normalizer, so that the chunks' sums merge exactly into the whole batch's
 * (clients/typescript/src/merge/merge-results.ts). Both backends compute a chunk from this plan.
 */
export interface ChunkPlan {
  /** The evaluation's own settings: its reduction, normalizer and the meta it reports. */
  settings: LossSettings;
  /** The settings every chunk is computed with. */
  chunk: LossSettings;
  /** `chunk` as the fields of a /loss request (the remote backend), class ids sent with ignored rows as -1. */
  request: SettingsFields;
}

/** Runs a check whose errors name flags or file places, turning them into one CLI error. */
function cliChecked<T>(namePlace: NamePlace, check: (errors: FieldErrors) => T | null): T {
  const errors = new FieldErrors(namePlace);
  try {
    return errors.orThrow(check(errors));
  } catch (err) {
    if (err instanceof ProblemError) throw new CliError(err.message);
    throw err;
  }
}

/** The flag a request field's path comes from (a sweep list's own flag when the path goes that deep). */
function flagOf(path: readonly (string | number)[]): string {
  const key = String(path[0] ?? '');
  if (key === 'sweep' && path[1] !== undefined) return SWEEP_FLAGS[String(path[1])] ?? FLAGS.sweep;
  return FLAGS[key] ?? key;
}

const nameFlag: NamePlace = ({ path }) => `${flagOf(path)}:`;

export function planChunks(options: EvalOptions, dims: BatchDims, classNames: string[] | null, wantGradient: boolean): ChunkPlan {
  const fields: SettingsFields = { mode: options.mode, reduction: options.reduction };
  if (options.gamma !== undefined) fields.gamma = options.gamma;
  if (options.alpha !== undefined) fields.alpha = options.alpha;
  if (options.normalizer !== undefined) fields.normalizer = options.normalizer;
  if (options.ignoreIndex !== undefined) fields.ignore_index = options.ignoreIndex;
  if (options.labelSmoothing !== undefined) fields.label_smoothing = options.labelSmoothing;
  if (classNames !== null) fields.class_names = classNames;
  if (options.variant !== undefined) fields.variant = options.variant;
  if (options.gammaPos !== undefined) fields.gamma_pos = options.gammaPos;
  if (options.gammaNeg !== undefined) fields.gamma_neg = options.gammaNeg;
  if (options.clip !== undefined) fields.clip = options.clip;
  if (options.epsilon !== undefined) fields.epsilon = options.epsilon;
  if (options.classBalanceBeta !== undefined) fields.class_balance_beta = options.classBalanceBeta;
  if (options.sweepGamma !== undefined || options.sweepAlpha !== undefined) {
    fields.sweep = {
      ...(options.sweepGamma === undefined ? {} : { gamma: options.sweepGamma }),
      ...(options.sweepAlpha === undefined ? {} : { alpha: options.sweepAlpha }),
    };
  }

  const schemaError = innermost(Value.Errors(SettingsSchema, fields).First());
  if (schemaError !== undefined) {
    throw new CliError(`${flagOf(schemaError.path.split('/').slice(1))}: ${schemaError.message.toLowerCase()}`);
  }
  const settings = cliChecked(nameFlag, (errors) => resolveSettings(fields, dims, errors));

  const reduction = options.reduction === 'none' ? 'none' : 'sum';
  // The --html report draws the confusion matrix (or its most-confused pairs): ask for it where
  // the service builds one (multiclass, C <= MAX_CONFUSION_CLASSES); the --json output then has it too.
  const wantConfusion = options.html !== undefined && options.mode === 'multiclass' && dims.c <= MAX_CONFUSION_CLASSES;
  // Class names stay with the evaluation (its report names the classes), not with each chunk.
  const { class_names: _names, normalizer: _normalizer, ...shared } = fields;
  const request: SettingsFields = {
    ...shared,
    reduction,
    outputs: [
      'loss',
      'stats',
      ...(wantGradient ? ['gradient' as const] : []),
      ...(reduction === 'none' ? ['losses' as const] : []),
      ...(wantConfusion ? ['confusion' as const] : []),
      // Each label's own calibration bins: a merge of multilabel chunks needs them for classwise_ece.
      ...(options.mode === 'multilabel' ? ['column_calibration' as const] : []),
    ],
    ...(settings.ignoreIndex === null ? {} : { ignore_index: -1 }),
  };
  const chunk = cliChecked(nameFlag, (errors) => resolveSettings(request, dims, errors));
  return { settings, chunk, request };
}

/**
 * A union's error says only "expected union value"; its first branch's error says why (a flag is a
 * scalar, so the scalar branch of gamma's number-or-list is the one that was meant).
 */
function innermost(error: ValueError | undefined): ValueError | undefined {
  let e = error;
  while (e !== undefined && e.errors.length > 0) {
    const inner = e.errors[0].First();
    if (inner === undefined) break;
    e = inner;
  }
  return e;
}

/** The files a chunk's rows come from, for error messages. */
export interface ChunkFiles {
  logits: string;
  targets: string;
  weights?: string;
}

/** One chunk's rows as read from the files, before their values are checked. */
export interface ChunkRows {
  row0: number;
  rows: number;
  logits: FloatRows;
  targets: FloatRows;
  weights: FloatRows | null;
}

/**
 * Checks a chunk's values with the service's rules (tensors/check-batch.ts); an error names the
 * file and the row (and column) in the file, not in the chunk.
 */
export function checkChunk(plan: ChunkPlan, rows: ChunkRows, files: ChunkFiles, dense?: ChunkDense): BatchArrays {
  if (dense !== undefined) return checkDenseChunk(plan, rows, files, dense);
  const { c, target_format: targetFormat } = plan.chunk.meta;
  const targetWidth = plan.chunk.mode === 'binary' || targetFormat === 'class_ids' ? 1 : c;
  const widths: Record<string, number> = { logits: c, targets: targetWidth, weights: 1 };
  // As a tensor of the service's shape: [rows] for vectors, [rows, C] for matrices (multiclass C = 1 included).
  const tensor = (field: string, values: FloatRows, matrix: boolean): FieldTensor => ({
    field,
    encoded: true,
    shape: matrix ? [rows.rows, widths[field]] : [rows.rows],
    values,
  });
  const tensors = {
    logits: tensor('logits', rows.logits, plan.chunk.mode !== 'binary'),
    targets: tensor('targets', rows.targets, targetWidth > 1 || (plan.chunk.mode !== 'binary' && targetFormat !== 'class_ids')),
    weights: rows.weights === null ? null : tensor('weights', rows.weights, false),
  };
  const namePlace: NamePlace = ({ path, site }) => {
    const field = String(path[0]);
    const file = files[field as keyof ChunkFiles] ?? field;
    if (site === undefined) return `${file}:`;
    if ('row' in site) return `${file}: row ${rows.row0 + site.row}:`;
    const width = widths[field] ?? 1;
    const row = rows.row0 + Math.floor(site.element / width);
    return width === 1 ? `${file}: row ${row}:` : `${file}: row ${row}, column ${site.element % width}:`;
  };
  // The kernel reads class ids with ignore_index as -1; the check maps them (the plan's own ignore_index).
  return cliChecked(namePlace, (errors) => checkBatch({ ...plan.chunk, ignoreIndex: plan.settings.ignoreIndex }, tensors, errors));
}

/**
 * A dense chunk (whole samples of files of rank 3 or more) checked in the files' own shapes, so
 * that the service's rules apply per position (probabilities along the class axis); an error
 * names the file, the sample and the element's index within the sample.
 */
function checkDenseChunk(plan: ChunkPlan, rows: ChunkRows, files: ChunkFiles, dense: ChunkDense): BatchArrays {
  const classIds = plan.chunk.meta.target_format === 'class_ids';
  const shapes: Record<string, number[]> = {
    logits: dense.logitsShape,
    targets: classIds ? dense.targetsShape : dense.logitsShape,
    weights: [dense.logitsShape[0]],
  };
  const tensor = (field: string, values: FloatRows): FieldTensor => ({ field, encoded: true, shape: shapes[field], values });
  const tensors = {
    logits: tensor('logits', rows.logits),
    targets: tensor('targets', rows.targets),
    weights: rows.weights === null ? null : tensor('weights', rows.weights),
  };
  const sample0 = rows.row0 / dense.positions;
  const namePlace: NamePlace = ({ path, site }) => {
    const field = String(path[0]);
    const file = files[field as keyof ChunkFiles] ?? field;
    if (site === undefined || !('element' in site)) return `${file}:`;
    const inner = (shapes[field] ?? [1]).slice(1);
    const width = inner.reduce((a, b) => a * b, 1);
    const sample = sample0 + Math.floor(site.element / width);
    if (inner.length === 0) return `${file}: sample ${sample}:`;
    // The element's index within its sample, axis by axis (row-major).
    let rest = site.element % width;
    const index = inner.map((_, k) => {
      const stride = inner.slice(k + 1).reduce((a, b) => a * b, 1);
      const i = Math.floor(rest / stride);
      rest -= i * stride;
      return i;
    });
    return `${file}: sample ${sample}, element [${index.join(', ')}]:`;
  };
  return cliChecked(namePlace, (errors) => checkBatch({ ...plan.chunk, ignoreIndex: plan.settings.ignoreIndex }, tensors, errors));
}
