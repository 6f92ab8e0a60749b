/**
 * The seam between the protocol and the service: decoded input tensors plus the request's
 * scalar parameters -> the same request POST /loss decodes, validated by the same code
 * (tensors/decode-loss-request.ts: shapes, N/C agreement, ranges, class ids, probability rows).
 * Only protocol conventions live here: tensors of rank 1 or 2, [N, 1] accepted for [N] in
 * binary mode, alpha and the per-class exponents (gamma, gamma_pos, gamma_neg) as a parameter or
 * an input tensor [C] (tritonclient parameters are scalars), and which results the selected
 * outputs need computed.
 */
import { ProblemError } from '../errors/problem-error.js';
import type { InferenceParameters } from '../schemas/oip.js';
import type { LossRequest, Output } from '../schemas/loss-request.js';
import type { LossInput } from '../tensors/decode-loss-request.js';
import type { DecodedTensor } from '../tensors/field-tensor.js';
import { MAX_DENSE_RANK } from '../tensors/dense-shapes.js';
import type { DecodedInputs } from './decode-inputs.js';
import type { InputName, OipModel } from './models.js';
import type { SelectedOutput } from './select-outputs.js';

export function toLossInput(model: OipModel, inputs: DecodedInputs, params: InferenceParameters, outputs: SelectedOutput[]): LossInput {
  for (const input of Object.values(inputs)) {
    // Dense logits and targets (rank 3 to 8, class axis 1) are checked with POST /loss's rules (tensors/dense-shapes.ts).
    const maxRank = input.name === 'logits' || input.name === 'targets' ? MAX_DENSE_RANK : 2;
    if (input.shape.length < 1 || input.shape.length > maxRank) {
      throw new ProblemError(
        'invalid-request',
        `input "${input.name}" has shape [${input.shape.join(', ')}]; the focal-loss models take tensors [N] or [N, C]` +
          (maxRank > 2 ? `, or dense logits and targets [N, C, d1, ..., dk] of rank up to ${MAX_DENSE_RANK}` : ''),
      );
    }
  }
  // decodeInputs guarantees the required inputs.
  const logits = inputs.logits!;
  const targets = inputs.targets!;
  const binary = model.mode === 'binary';
  for (const name of ['alpha', 'gamma', 'gamma_pos', 'gamma_neg'] as const) {
    if (params[name] !== undefined && inputs[name] !== undefined) {
      throw new ProblemError('invalid-request', `${name} is given both as a parameter and as an input tensor; give one of them`);
    }
  }
  const wanted = new Set(outputs.map((o) => o.spec.name));
  const results: Output[] = ['loss', 'stats'];
  if (wanted.has('gradient')) results.push('gradient');
  if (wanted.has('losses')) results.push('losses');
  if (wanted.has('confusion')) results.push('confusion');
  if (wanted.has('column_calibration_bins')) results.push('column_calibration');
  const sweep =
    params.sweep_gamma !== undefined || params.sweep_alpha !== undefined || wanted.has('sweep_loss') ? sweepOf(params) : undefined;
  return {
    mode: model.mode,
    logits: binary ? columnAsVector(logits) : logits,
    targets: binary ? columnAsVector(targets) : targets,
    weights: inputs.weights,
    alpha: inputs.alpha ?? (params.alpha === 'none' ? null : params.alpha),
    variant: params.variant,
    gamma: perClass(inputs.gamma) ?? params.gamma,
    gamma_pos: perClass(inputs.gamma_pos) ?? params.gamma_pos,
    gamma_neg: perClass(inputs.gamma_neg) ?? params.gamma_neg,
    clip: params.clip,
    epsilon: params.epsilon,
    reduction: params.reduction,
    normalizer: params.normalizer,
    ignore_index: params.ignore_index,
    label_smoothing: params.label_smoothing,
    class_balance_beta: params.class_balance_beta,
    outputs: results,
    ...(sweep !== undefined ? { sweep } : {}),
  };
}

/**
 * The sweep_gamma and sweep_alpha parameters (comma-separated, checked by the schema's pattern) as
 * POST /loss's `sweep`, with the ranges POST /loss's schema sets (gamma in [0, 20], alpha in [0, 1]).
 */
function sweepOf(params: InferenceParameters): NonNullable<LossRequest['sweep']> {
  const sweep: NonNullable<LossRequest['sweep']> = {};
  if (params.sweep_gamma !== undefined) {
    sweep.gamma = params.sweep_gamma.split(',').map(Number);
    if (sweep.gamma.some((g) => !(g <= 20)))
      throw new ProblemError('invalid-request', 'parameters/sweep_gamma: each gamma must be in [0, 20]');
  }
  if (params.sweep_alpha !== undefined) {
    sweep.alpha = params.sweep_alpha.split(',').map((a) => (a.trim() === 'none' ? null : Number(a)));
    if (sweep.alpha.some((a) => a !== null && !(a <= 1)))
      throw new ProblemError('invalid-request', 'parameters/sweep_alpha: each alpha must be a number in [0, 1] or none');
  }
  return sweep;
}

/** A per-class exponent tensor [C] as the list POST /loss takes (its length and values are checked there). */
function perClass(tensor: DecodedInputs[InputName]): number[] | undefined {
  if (tensor === undefined) return undefined;
  if (tensor.shape.length !== 1) {
    throw new ProblemError(
      'invalid-request',
      `input "${tensor.name}" has shape [${tensor.shape.join(', ')}]; it must be [C], one value per class`,
    );
  }
  return Array.from(tensor.values);
}

/** Binary models take [N] or, as many frameworks produce it, [N, 1]. */
function columnAsVector(tensor: DecodedTensor): DecodedTensor {
  return tensor.shape.length === 2 && tensor.shape[1] === 1 ? { values: tensor.values, shape: [tensor.shape[0]] } : tensor;
}
