/**
 * The focal-loss settings of an evaluation, checked by the service's own rules before any
 * row is read: the request schema (ranges, types) and the request decoder (alpha per class,
 * class names, which options a mode allows) run on a one-row request of the file's shape, so
 * the CLI accepts exactly what the service accepts and reports it in the same words.
 */
import { Value } from '@sinclair/typebox/value';
import type { ValueError } from '@sinclair/typebox/errors';
import { ProblemError } from '../errors/problem-error.js';
import type { FloatArray } from '../kernels/types.js';
import { LossRequestSchema, type LossRequest } from '../schemas/loss-request.js';
import type { Meta } from '../schemas/loss-response.js';
import { decodeLossRequest } from '../tensors/decode-loss-request.js';
import { CliError } from './cli-error.js';
import type { EvalOptions } from './eval-options.js';

export type TargetFormat = Meta['target_format'];

export interface Settings {
  /** The conventions applied, as the service reports them (n and count set after the run). */
  meta: Omit<Meta, 'count' | 'denominator'>;
  /**
   * The settings part of each chunk's /loss request (no data, no class names, and no reduction or
   * normalizer: chunks are summed and the command divides the merged sum itself).
   */
  request: Omit<LossRequest, 'logits' | 'targets' | 'class_names' | 'outputs' | 'reduction' | 'normalizer'>;
  alpha: FloatArray | null;
  gamma: number;
  labelSmoothing: number;
  ignoreIndex: number | null;
}

const FLAGS: Record<string, string> = {
  gamma: '--gamma',
  alpha: '--alpha',
  normalizer: '--normalizer',
  ignore_index: '--ignore-index',
  label_smoothing: '--label-smoothing',
  class_names: '--class-names',
};

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

export function resolveSettings(options: EvalOptions, c: number, targetFormat: TargetFormat, classNames: string[] | null): Settings {
  const request: Settings['request'] = { mode: options.mode };
  if (options.gamma !== undefined) request.gamma = options.gamma;
  if (options.alpha !== undefined) request.alpha = options.alpha;
  if (options.ignoreIndex !== undefined) request.ignore_index = options.ignoreIndex;
  if (options.labelSmoothing !== undefined) request.label_smoothing = options.labelSmoothing;

  const zeros = new Array<number>(c).fill(0);
  const oneHot = zeros.map((_, k) => (k === 0 ? 1 : 0));
  const probe: LossRequest = {
    ...request,
    reduction: options.reduction,
    ...(options.normalizer === undefined ? {} : { normalizer: options.normalizer }),
    logits: options.mode === 'binary' ? [0] : [zeros],
    targets: options.mode === 'binary' ? [0] : options.mode === 'multilabel' ? [zeros] : targetFormat === 'probabilities' ? [oneHot] : [0],
    ...(classNames === null ? {} : { class_names: classNames }),
  };
  const schemaError = innermost(Value.Errors(LossRequestSchema, probe).First());
  if (schemaError !== undefined) {
    const key = schemaError.path.split('/')[1] ?? '';
    throw new CliError(`${FLAGS[key] ?? key}: ${schemaError.message.toLowerCase()}`);
  }
  let decoded;
  try {
    decoded = decodeLossRequest(probe, { maxElements: Infinity, maxClasses: Infinity });
  } catch (err) {
    if (err instanceof ProblemError) {
      const first = err.errors[0];
      const key = first?.pointer.split('/')[1] ?? '';
      throw new CliError(FLAGS[key] !== undefined ? `${FLAGS[key]}: ${first.detail}` : err.message);
    }
    throw err;
  }
  const { meta, problem } = decoded;
  return {
    meta,
    request,
    alpha: problem.alpha,
    gamma: problem.gamma,
    labelSmoothing: problem.labelSmoothing,
    ignoreIndex: meta.ignore_index,
  };
}
