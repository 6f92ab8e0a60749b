/**
 * Names the places of request errors in the protocol's terms. The semantic checks are POST
 * /loss's (tensors/), run on the loss request that to-loss-input.ts builds from the inputs, and
 * they report places in that request's terms (targets/data, element [3]); only the naming is
 * mapped here: an input by its name, with the shape the client declared and element indices in
 * that shape (a binary model's [N, 1] input is read as [N]), and anything else as the request
 * parameter it came from.
 */
import { siteText, type NamePlace } from '../tensors/field-errors.js';
import type { DecodedInputs } from './decode-inputs.js';

/** Loss request fields that come from something else than the parameter of the same name. */
const PARAMETER_NAMES: Record<string, string> = {
  outputs: 'outputs',
  sweep: 'parameters/sweep_gamma and sweep_alpha',
};

export function oipErrorNaming(inputs: DecodedInputs): NamePlace {
  return ({ path, site }) => {
    const [field, part] = path;
    const input = inputs[field as keyof DecodedInputs];
    if (input === undefined) return PARAMETER_NAMES[String(field)] ?? `parameters/${field}`;
    const named = `input "${input.name}"`;
    if (site !== undefined) return `${named} ${siteText(site, input.shape)}`;
    return part === 'shape' ? `${named} shape [${input.shape.join(', ')}]` : named;
  };
}
