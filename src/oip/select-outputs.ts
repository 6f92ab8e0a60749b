/**
 * The request's `outputs` list -> the outputs to compute and how to send each: its name known to
 * the model and not repeated, JSON or binary (the output's `binary_data`, else the request's
 * `binary_data_output`), and its datatype (FP64 for values unless FP32 is asked, INT64 for counts).
 * No list means every output of the model, as the protocol says, but those returned only when
 * named (models.ts onlyWhenNamed: the confusion matrix, the sweep).
 */
import { ProblemError } from '../errors/problem-error.js';
import type { RequestOutput } from '../schemas/oip.js';
import type { OipModel, OutputSpec } from './models.js';

export type OutputDatatype = 'FP64' | 'FP32' | 'INT64';

export interface SelectedOutput {
  spec: OutputSpec;
  binary: boolean;
  datatype: OutputDatatype;
}

export function selectOutputs(model: OipModel, requested: RequestOutput[] | undefined, binaryDefault: boolean): SelectedOutput[] {
  const defaultType = (spec: OutputSpec): OutputDatatype => (spec.kind === 'count' ? 'INT64' : 'FP64');
  if (requested === undefined) {
    return model.outputs
      .filter((spec) => spec.onlyWhenNamed !== true)
      .map((spec) => ({ spec, binary: binaryDefault, datatype: defaultType(spec) }));
  }
  const seen = new Set<string>();
  return requested.map((output) => {
    const spec = model.outputs.find((o) => o.name === output.name);
    if (spec === undefined) {
      throw new ProblemError(
        'invalid-request',
        `unknown output "${output.name.slice(0, 100)}" for model ${model.name}; its outputs are ${model.outputs.map((o) => o.name).join(', ')}`,
      );
    }
    if (seen.has(spec.name)) throw new ProblemError('invalid-request', `output "${spec.name}" is requested more than once`);
    seen.add(spec.name);
    const asked = output.parameters?.datatype;
    if (asked !== undefined && spec.kind === 'count') {
      throw new ProblemError('invalid-request', `output "${spec.name}" is a count and is always INT64; leave out its datatype parameter`);
    }
    return { spec, binary: output.parameters?.binary_data ?? binaryDefault, datatype: asked ?? defaultType(spec) };
  });
}
