/**
 * Kernel result -> an inference response: each selected output as a tensor of its datatype,
 * in the requested order, as JSON data or as binary tensor data following the JSON header
 * (little-endian, row-major, in output order). Statistics are derived by the same function as
 * POST /loss's `stats`, so the two endpoints cannot disagree.
 */
import { ProblemError } from '../errors/problem-error.js';
import { narrowToFloat32 } from '../tensors/dtypes.js';
import type { FocalResult } from '../kernels/types.js';
import { CALIBRATION_BINS, PT_BINS, reportStats, sweepLosses } from 'focal-loss-client/merge';
import type { InferenceResponse, ResponseOutput } from '../schemas/oip.js';
import type { Calibration, Stats } from '../schemas/loss-response.js';
import { gradientOut, lossesOut } from '../tensors/dense-shapes.js';
import { assertFiniteResult } from '../tensors/encode-loss-response.js';
import type { DecodedLossRequest } from '../tensors/decode-loss-request.js';
import type { OipModel } from './models.js';
import { MODEL_VERSION } from './models.js';
import type { OutputDatatype, SelectedOutput } from './select-outputs.js';

export interface EncodeArgs {
  model: OipModel;
  requestId: string | undefined;
  decoded: DecodedLossRequest;
  /** The shape the client gave `logits` ([N] or [N, 1] in binary mode, [N, C] otherwise). */
  logitsShape: number[];
  outputs: SelectedOutput[];
  result: FocalResult;
}

export interface EncodedResponse {
  /** The JSON response, or the JSON header when there is binary data. */
  json: Buffer;
  /** Binary output data in output order, or null when every output is JSON. */
  binary: Buffer[] | null;
}

export function encodeInferenceResponse(args: EncodeArgs): EncodedResponse {
  const { model, decoded, result } = args;
  assertFiniteResult(result);
  const { mode, n, c } = decoded.meta;
  const stats = reportStats(mode, result.stats, result.count, n, {
    classBalanceBeta: decoded.classBalanceBeta,
    columnBins: decoded.outputs.has('column_calibration'),
  });
  const perClass = (pick: (k: number) => number) => Float64Array.from({ length: c }, (_, k) => pick(k));

  const outputs: ResponseOutput[] = [];
  const binary: Buffer[] = [];
  for (const selected of args.outputs) {
    const name = selected.spec.name;
    let values: Float64Array;
    let shape: number[];
    if (name === 'gradient' || name === 'losses') {
      const array = name === 'gradient' ? result.gradient : result.losses;
      /* c8 ignore next -- the problem asks for both whenever they are selected */
      if (array === null) throw new Error(`${name} was selected but not computed`);
      const dense = decoded.dense;
      if (dense !== null) ({ values, shape } = name === 'gradient' ? gradientOut(array, dense) : lossesOut(array, dense));
      else {
        values = array;
        shape = name === 'losses' && mode === 'multiclass' ? [n] : args.logitsShape;
      }
    } else if (name in SCALARS) {
      values = Float64Array.of(SCALARS[name as keyof typeof SCALARS](result, stats));
      shape = [1];
    } else if (name === 'class_pt_histogram') {
      values = Float64Array.from(stats.classes.flatMap((k) => k.pt_histogram));
      shape = [c, PT_BINS];
    } else if (name === 'calibration_bins') {
      // [count, value sum, hit sum] per bin, as the raw sums merge (clients/typescript/src/merge/calibration-bins.ts).
      values = Float64Array.from(calibrationOf(stats).bins.flatMap((b) => Object.values(b)));
      shape = [CALIBRATION_BINS, 3];
    } else if (name === 'column_calibration_bins') {
      values = Float64Array.from((calibrationOf(stats).column_bins ?? []).flat(2));
      shape = [c, CALIBRATION_BINS, 3];
    } else if (name === 'confusion') {
      values = Float64Array.from((stats.confusion ?? []).flat());
      shape = [c, c];
    } else if (name === 'sweep_loss') {
      const losses = sweepLosses(decoded.meta.reduction, result.denominator, result.stats);
      values = Float64Array.from(losses);
      shape = decoded.sweep === null ? [0, 0] : [...decoded.sweep.shape];
    } else {
      const classes = stats.classes;
      const field = name.slice('class_'.length) as
        | 'support'
        | 'loss_sum'
        | 'pos_loss_sum'
        | 'neg_loss_sum'
        | 'tp'
        | 'fp'
        | 'fn'
        | 'tn'
        | 'precision'
        | 'recall'
        | 'f1'
        | 'suggested_alpha';
      // A null suggested alpha (no class weight defined) is 0: tensors hold numbers only.
      values = perClass((k) => classes[k][field] ?? 0);
      shape = [c];
    }
    const typed = toDatatype(values, selected.datatype, name);
    const output: ResponseOutput = { name, datatype: selected.datatype, shape };
    if (selected.binary) {
      const bytes = littleEndianBytes(typed);
      output.parameters = { binary_data_size: bytes.length };
      binary.push(bytes);
    } else {
      output.data = Array.from(typed, Number);
    }
    outputs.push(output);
  }

  // Keys in the protocol's order: model, id, parameters, outputs.
  const body: InferenceResponse = {
    model_name: model.name,
    model_version: MODEL_VERSION,
    ...(args.requestId !== undefined ? { id: args.requestId } : {}),
    parameters: responseParameters(decoded, result),
    outputs,
  };
  return { json: Buffer.from(JSON.stringify(body), 'utf8'), binary: binary.length > 0 ? binary : null };
}

/** Scalar outputs, [1] each. */
const SCALARS = {
  loss: (r: FocalResult) => r.loss,
  count: (r: FocalResult) => r.count,
  denominator: (r: FocalResult) => r.denominator,
  accuracy: (_: FocalResult, s: Stats) => s.accuracy ?? 0,
  ece: (_: FocalResult, s: Stats) => calibrationOf(s).ece,
  mce: (_: FocalResult, s: Stats) => calibrationOf(s).mce,
  brier: (_: FocalResult, s: Stats) => calibrationOf(s).brier,
  nll: (_: FocalResult, s: Stats) => calibrationOf(s).nll,
  // Only a multilabel model lists it, and a multilabel calibration always has it.
  classwise_ece: (_: FocalResult, s: Stats) => calibrationOf(s).classwise_ece ?? 0,
};

function calibrationOf(stats: Stats): Calibration {
  /* c8 ignore next -- to-loss-input.ts always asks for the stats, calibration included */
  if (stats.calibration === undefined) throw new Error('calibration was not computed');
  return stats.calibration;
}

/** Parameters are scalars: a per-class list is named as alpha's is; an unused setting (null, absent) is left out. */
function scalarOrPerClass(name: string, value: number | number[] | null | undefined): Record<string, number | string> {
  if (value === undefined || value === null) return {};
  return { [name]: Array.isArray(value) ? 'per_class' : value };
}

/** The conventions applied, as protocol parameters (strings, numbers and booleans only). */
function responseParameters(decoded: DecodedLossRequest, result: FocalResult): Record<string, string | number | boolean> {
  const m = decoded.meta;
  const params: Record<string, string | number | boolean> = {
    mode: m.mode,
    reduction: m.reduction,
    variant: m.variant ?? 'focal',
    ...scalarOrPerClass('gamma', m.gamma),
    alpha: m.alpha === null ? 'none' : Array.isArray(m.alpha) ? 'per_class' : m.alpha,
    alpha_convention: m.alpha_convention,
    label_smoothing: m.label_smoothing,
    target_format: m.target_format,
    denominator_source: m.denominator_source,
    denominator: result.denominator,
    count: result.count,
    n: m.n,
    c: m.c,
  };
  if (m.ignore_index !== null) params.ignore_index = m.ignore_index;
  for (const field of ['gamma_pos', 'gamma_neg', 'clip', 'epsilon'] as const) Object.assign(params, scalarOrPerClass(field, m[field]));
  return params;
}

type OutputArray = Float64Array | Float32Array | BigInt64Array;

function toDatatype(values: Float64Array, datatype: OutputDatatype, name: string): OutputArray {
  if (datatype === 'FP64') return values;
  if (datatype === 'INT64') return BigInt64Array.from(values, (v) => BigInt(v));
  const narrow = narrowToFloat32(values);
  if (!(narrow instanceof Float32Array)) {
    throw new ProblemError('result-not-finite', `output "${name}" overflows FP32 (its value ${narrow.beyond} is too large); ask for FP64`);
  }
  return narrow;
}

/** The array's bytes, little-endian as the protocol's (the host's order: tensors/dtypes.ts), without copying. */
function littleEndianBytes(array: OutputArray): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}
