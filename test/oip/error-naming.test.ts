/**
 * Where a /v2 request is wrong is named in the protocol's terms: the checks shared with POST /loss
 * report places in the loss request's terms (targets/shape, targets/data and an element or row),
 * and the naming maps each to the input (with the shape it was sent with, element indices in that
 * shape) or to the request parameter.
 */
import t from 'tap';
import { oipErrorNaming } from '../../src/oip/error-naming.js';
import type { DecodedInputs } from '../../src/oip/decode-inputs.js';

const inputs: DecodedInputs = {
  logits: { name: 'logits', datatype: 'FP32', shape: [4, 3], values: new Float32Array(12) },
  // A binary model's [N, 1] targets, read by the loss checks as [N].
  targets: { name: 'targets', datatype: 'FP64', shape: [4, 1], values: new Float64Array(4) },
};
const name = oipErrorNaming(inputs);

t.test('an input by its name; its shape as sent', async (t) => {
  t.equal(name({ path: ['logits'] }), 'input "logits"');
  t.equal(name({ path: ['logits', 'shape'] }), 'input "logits" shape [4, 3]');
  t.equal(name({ path: ['targets', 'shape'] }), 'input "targets" shape [4, 1]');
});

t.test('an element by its index in the shape sent, a row by its index', async (t) => {
  t.equal(name({ path: ['logits', 'data'], site: { element: 7, shape: [4, 3] } }), 'input "logits" element [2, 1]');
  t.equal(name({ path: ['targets', 'data'], site: { element: 2, shape: [4] } }), 'input "targets" element [2, 0]');
  t.equal(name({ path: ['logits', 'data'], site: { row: 3 } }), 'input "logits" row [3]');
});

t.test('anything that is not an input is a request parameter', async (t) => {
  t.equal(name({ path: ['normalizer'] }), 'parameters/normalizer');
  t.equal(name({ path: ['ignore_index'] }), 'parameters/ignore_index');
});
