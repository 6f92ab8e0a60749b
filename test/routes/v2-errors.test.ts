/**
 * Malformed Open Inference Protocol input: each case is a 400 with `{"error": "..."}` (the
 * protocol's error object, plus the stable code) whose message names what is wrong. Guards and
 * limits keep their own statuses, in the same form.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { float64Bytes } from '../helpers/oip.js';

// A small MAX_CLASSES, so that a request past it is small too.
const app = await buildTestApp(t, { MAX_CLASSES: '8' });

const logits = { name: 'logits', shape: [2], datatype: 'FP64', data: [0.5, -0.5] };
const targets = { name: 'targets', shape: [2], datatype: 'INT32', data: [1, 0] };
const binaryLogits = { name: 'logits', shape: [2], datatype: 'FP64', parameters: { binary_data_size: 16 } };
const twoFloats = float64Bytes([0.5, -0.5]);
const multilabelUrl = '/v2/models/focal_loss_multilabel/infer';
const pairTargets = { name: 'targets', shape: [2, 2], datatype: 'FP64', data: [1, 0, 0, 1] };

interface Case {
  name: string;
  /** Defaults to focal_loss_binary. */
  url?: string;
  /** A JSON request, or [JSON header, binary data, header length (default: the header's)] for a binary one. */
  body: unknown;
  binary?: Buffer;
  headerLength?: string;
  contentType?: string;
  status?: number;
  error: RegExp;
}

const cases: Case[] = [
  // Binary framing.
  {
    name: 'header length past the body',
    body: { inputs: [binaryLogits, targets] },
    binary: twoFloats,
    headerLength: '4000',
    error: /Inference-Header-Content-Length is 4000 bytes, past the end of the \d+-byte body/,
  },
  {
    name: 'header length not a number',
    body: { inputs: [binaryLogits, targets] },
    binary: twoFloats,
    headerLength: '12abc',
    error: /must be a non-negative integer/,
  },
  {
    name: 'header length 0 (raw binary) for a multi-input model',
    body: { inputs: [binaryLogits, targets] },
    binary: twoFloats,
    headerLength: '0',
    error: /raw binary request.*single input/,
  },
  {
    name: 'header length cutting the JSON short',
    body: { inputs: [binaryLogits, targets] },
    binary: twoFloats,
    headerLength: '10',
    error: /not valid JSON/,
  },
  {
    name: 'binary data shorter than the sizes add up to',
    body: { inputs: [binaryLogits, targets] },
    binary: twoFloats.subarray(0, 12),
    error: /binary data after the JSON header is 12 bytes, but the binary_data_size values up to input "logits" add up to 16/,
  },
  {
    name: 'binary data longer than the sizes add up to',
    body: { inputs: [binaryLogits, targets] },
    binary: Buffer.concat([twoFloats, Buffer.alloc(3)]),
    error: /is 19 bytes, but the inputs' binary_data_size values add up to 16/,
  },
  {
    name: 'binary_data_size disagreeing with shape and datatype',
    body: { inputs: [{ ...binaryLogits, datatype: 'FP32' }, targets] },
    binary: twoFloats,
    error: /binary_data_size 16, but shape \[2\] of FP32 is 2 x 4 = 8 bytes/,
  },
  {
    name: 'binary_data_size without binary framing',
    body: { inputs: [binaryLogits, targets] },
    error: /no binary data: send the Inference-Header-Content-Length header/,
  },
  {
    name: 'both data and binary_data_size',
    body: { inputs: [{ ...logits, parameters: { binary_data_size: 16 } }, targets] },
    binary: twoFloats,
    error: /both data and parameters.binary_data_size/,
  },
  {
    name: 'an input without values',
    body: { inputs: [{ name: 'logits', shape: [2], datatype: 'FP64' }, targets] },
    error: /input "logits" has no values/,
  },
  {
    name: 'INT64 binary data beyond 2^53',
    body: { inputs: [logits, { name: 'targets', shape: [1], datatype: 'INT64', parameters: { binary_data_size: 8 } }] },
    binary: Buffer.from('0000000000002000', 'hex'),
    error: /^input "targets" element \[0\] is an INT64 beyond \+-2\^53/,
  },
  // Models and names.
  {
    name: 'unknown model',
    url: '/v2/models/resnet50/infer',
    body: { inputs: [logits, targets] },
    error: /unknown model "resnet50"; the models are focal_loss_binary, focal_loss_multilabel, focal_loss_multiclass/,
  },
  {
    name: 'unknown version',
    url: '/v2/models/focal_loss_binary/versions/2/infer',
    body: { inputs: [logits, targets] },
    error: /has no version "2"; its only version is 1/,
  },
  {
    name: 'model_name in the body disagreeing with the URL',
    body: { model_name: 'focal_loss_multiclass', inputs: [logits, targets] },
    error: /does not match the URL's focal_loss_binary/,
  },
  {
    name: 'model_version in the body that does not exist',
    body: { model_version: '7', inputs: [logits, targets] },
    error: /model_version "7"/,
  },
  {
    name: 'unknown input name',
    body: { inputs: [logits, targets, { ...logits, name: 'labels' }] },
    error: /unknown input "labels" for model focal_loss_binary; its inputs are logits, targets, weights, alpha/,
  },
  { name: 'an input given twice', body: { inputs: [logits, targets, logits] }, error: /input "logits" is given more than once/ },
  { name: 'a required input missing', body: { inputs: [logits] }, error: /input "targets" is required by model focal_loss_binary/ },
  {
    name: 'unknown output name',
    body: { inputs: [logits, targets], outputs: [{ name: 'loss' }, { name: 'hessian' }] },
    error: /unknown output "hessian" for model focal_loss_binary; its outputs are loss, gradient/,
  },
  {
    name: 'an output of another model',
    body: { inputs: [logits, targets], outputs: [{ name: 'accuracy' }] },
    error: /unknown output "accuracy"/,
  },
  {
    name: 'an output requested twice',
    body: { inputs: [logits, targets], outputs: [{ name: 'loss' }, { name: 'loss' }] },
    error: /output "loss" is requested more than once/,
  },
  {
    name: 'a datatype for a count output',
    body: { inputs: [logits, targets], outputs: [{ name: 'count', parameters: { datatype: 'FP32' } }] },
    error: /is a count and is always INT64/,
  },
  { name: 'an empty outputs list', body: { inputs: [logits, targets], outputs: [] }, error: /outputs must NOT have fewer than 1 items/ },
  // Datatypes and shapes.
  {
    name: 'a datatype not accepted for the input',
    body: { inputs: [{ ...logits, datatype: 'INT32', data: [1, 0] }, targets] },
    error: /input "logits" has datatype INT32; focal_loss_binary accepts FP32, FP64, FP16, BF16 for it/,
  },
  {
    name: 'a datatype the protocol does not define',
    body: { inputs: [{ ...logits, datatype: 'FLOAT' }, targets] },
    error: /unknown datatype "FLOAT"/,
  },
  {
    name: 'BOOL logits',
    body: { inputs: [{ ...logits, datatype: 'BOOL', data: [true, false] }, targets] },
    error: /input "logits" has datatype BOOL/,
  },
  {
    name: 'JSON data count disagreeing with the shape',
    body: { inputs: [{ ...logits, shape: [3] }, targets] },
    error: /input "logits" has 2 values in data, but shape \[3\] needs 3/,
  },
  {
    name: 'a string in JSON data',
    body: { inputs: [{ ...logits, data: [0.5, '1'] }, targets] },
    error: /^input "logits" data\[1\] must be a number \(got a string\)$/,
  },
  {
    name: 'null nested in JSON data',
    body: { inputs: [{ ...logits, shape: [2, 1], data: [[0.5], [null]] }, targets] },
    error: /^input "logits" data\[1\]\[0\] must be a number \(got null\)$/,
  },
  // Nested JSON data follows the shape exactly (flat data of the right count is the other accepted form).
  {
    name: 'ragged nested data with the right count',
    url: multilabelUrl,
    body: { inputs: [{ ...logits, shape: [2, 2], data: [[1], [2, 3, 4]] }, pairTargets] },
    error:
      /^input "logits" data\[0\] has 1 entry; shape \[2, 2\] needs 2 there \(nested data must follow the shape exactly; flat data, row-major, is accepted too\)$/,
  },
  {
    name: 'nested data with a row too many',
    url: multilabelUrl,
    body: { inputs: [{ ...logits, shape: [2, 2], data: [[1, 2], [3, 4], []] }, pairTargets] },
    error: /^input "logits" data has 3 entries; shape \[2, 2\] needs 2 there/,
  },
  {
    name: 'mixed nested and flat data with the right count',
    url: multilabelUrl,
    body: { inputs: [{ ...logits, shape: [2, 2], data: [[1, 2], 3, 4] }, pairTargets] },
    error: /^input "logits" data has 3 entries; shape \[2, 2\] needs 2/,
  },
  {
    name: 'a number in place of a row',
    url: multilabelUrl,
    body: { inputs: [{ ...logits, shape: [2, 2], data: [[1, 2], 3] }, pairTargets] },
    error: /^input "logits" data\[1\] is a number; shape \[2, 2\] needs an array of 2 there$/,
  },
  {
    name: 'nested deeper than the shape',
    body: { inputs: [{ ...logits, data: [[0.5], [-0.5]] }, targets] },
    error: /^input "logits" data\[0\] must be a number \(got an array; shape \[2\] nests data 1 level deep\)$/,
  },
  {
    name: 'nested deeper than a matrix shape',
    url: multilabelUrl,
    body: {
      inputs: [
        {
          ...logits,
          shape: [2, 2],
          data: [
            [1, [2]],
            [3, 4],
          ],
        },
        pairTargets,
      ],
    },
    error: /^input "logits" data\[0\]\[1\] must be a number \(got an array; shape \[2, 2\] nests data 2 levels deep\)$/,
  },
  {
    name: 'an object in nested data',
    url: multilabelUrl,
    body: {
      inputs: [
        {
          ...logits,
          shape: [2, 2],
          data: [
            [1, 2],
            [{}, 4],
          ],
        },
        pairTargets,
      ],
    },
    error: /^input "logits" data\[1\]\[0\] must be a number \(got an object\)$/,
  },
  {
    name: 'nested data for a scalar shape',
    body: { inputs: [{ ...logits, shape: [], data: [[0.5]] }, targets] },
    error: /^input "logits" data\[0\] must be a number \(got an array; shape \[\] nests data 1 level deep\)$/,
  },
  {
    name: 'a number in nested BOOL data',
    body: { inputs: [logits, { ...targets, datatype: 'BOOL', shape: [2, 1], data: [[true], [0]] }] },
    error: /^input "targets" data\[1\]\[0\] must be true or false for datatype BOOL \(got a number\)$/,
  },
  {
    name: 'a fraction in INT32 data',
    body: { inputs: [logits, { ...targets, data: [1, 0.5] }] },
    error: /^input "targets" element \[1\] \(0.5\) must be an integer in \[-2147483648, 2147483647\] \(datatype INT32\)/,
  },
  {
    name: 'UINT8 data out of range',
    body: { inputs: [logits, { ...targets, datatype: 'UINT8', data: [1, 256] }] },
    error: /^input "targets" element \[1\] \(256\) must be an integer in \[0, 255\]/,
  },
  { name: 'a negative dimension', body: { inputs: [{ ...logits, shape: [-2] }, targets] }, error: /inputs\/0\/shape\/0 must be >= 0/ },
  // Parameters: checked like POST /loss, never coerced.
  {
    name: 'a string gamma',
    body: { inputs: [logits, targets], parameters: { gamma: '2' } },
    error: /parameters\/gamma must be a number \(no type coercion is applied\)/,
  },
  { name: 'gamma out of range', body: { inputs: [logits, targets], parameters: { gamma: 21 } }, error: /parameters\/gamma must be <= 20/ },
  {
    name: 'an unknown parameter',
    body: { inputs: [logits, targets], parameters: { gama: 2 } },
    error: /parameters\/gama is not a known field/,
  },
  {
    name: 'a normalizer with reduction sum',
    body: { inputs: [logits, targets], parameters: { reduction: 'sum', normalizer: 2 } },
    error: /^parameters\/normalizer applies only with reduction "mean" \(reduction "sum" divides by nothing\)$/,
  },
  {
    name: 'a normalizer with reduction none',
    body: { inputs: [logits, targets], parameters: { reduction: 'none', normalizer: 2 } },
    error: /^parameters\/normalizer applies only with reduction "mean" \(reduction "none"/,
  },
  {
    name: 'an unknown reduction',
    body: { inputs: [logits, targets], parameters: { reduction: 'avg' } },
    error: /parameters\/reduction must be one of "mean", "sum", "none"/,
  },
  {
    name: 'alpha both as parameter and tensor',
    url: '/v2/models/focal_loss_multiclass/infer',
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...targets, shape: [1], data: [1] },
        { name: 'alpha', shape: [2], datatype: 'FP32', data: [1, 1] },
      ],
      parameters: { alpha: 0.5 },
    },
    error: /alpha is given both as a parameter and as an input tensor/,
  },
  {
    name: 'an unknown field in an input',
    body: { inputs: [{ ...logits, contents: {} }, targets] },
    error: /inputs\/0\/contents is not a known field/,
  },
  // The shared checks (the same as POST /loss), reached with typed arrays.
  {
    name: 'N disagreeing between logits and targets',
    body: { inputs: [logits, { ...targets, shape: [3], data: [1, 0, 1] }] },
    error: /^input "targets" shape \[3\] has 3 rows; logits has 2 \(N must agree\)$/,
  },
  {
    name: 'targets of rank 3 for logits [N]',
    body: { inputs: [logits, { ...targets, shape: [2, 1, 1] }] },
    error: /^input "targets" shape \[2, 1, 1\] must be \[N\] in binary mode$/,
  },
  {
    name: 'weights of rank 3',
    body: { inputs: [logits, targets, { name: 'weights', shape: [2, 1, 1], datatype: 'FP32', data: [1, 1] }] },
    error: /input "weights" has shape \[2, 1, 1\]; the focal-loss models take tensors \[N\] or \[N, C\]/,
  },
  {
    name: 'dense targets not matching the logits',
    url: multilabelUrl,
    body: {
      inputs: [
        { ...logits, shape: [1, 2, 1] },
        { ...pairTargets, shape: [1, 2, 2] },
      ],
    },
    error: /^input "targets" shape \[1, 2, 2\] does not fit logits \[1, 2, 1\]: targets must be \[1, 2, 1\], got \[1, 2, 2\]$/,
  },
  {
    name: 'probability rows of the wrong width',
    url: '/v2/models/focal_loss_multiclass/infer',
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...logits, name: 'targets', shape: [1, 3], data: [0.5, 0.5, 0] },
      ],
    },
    error: /^input "targets" shape \[1, 3\] has C = 3; logits has C = 2 \(C must agree\)$/,
  },
  {
    name: 'weights of rank 2',
    body: { inputs: [logits, targets, { name: 'weights', shape: [2, 1], datatype: 'FP32', data: [1, 1] }] },
    error: /^input "weights" shape \[2, 1\] must be a flat list \[N\]$/,
  },
  {
    name: 'a target outside [0, 1]',
    body: { inputs: [logits, { ...targets, data: [1, 2] }] },
    error: /^input "targets" element \[1\] must be a finite number in \[0, 1\]$/,
  },
  {
    name: 'a class id out of range',
    url: '/v2/models/focal_loss_multiclass/infer',
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...targets, shape: [1], data: [2] },
      ],
    },
    error: /^input "targets" element \[0\] class id 2 is out of range \[0, 2\)$/,
  },
  {
    name: 'an infinite FP32 logit in binary data',
    body: { inputs: [{ ...binaryLogits, datatype: 'FP32', parameters: { binary_data_size: 8 } }, targets] },
    binary: Buffer.from('0000807f00000000', 'hex'),
    error: /^input "logits" element \[0\] must be a finite number$/,
  },
  {
    name: 'a NaN FP16 logit in binary data',
    body: { inputs: [{ ...binaryLogits, datatype: 'FP16', parameters: { binary_data_size: 4 } }, targets] },
    binary: Buffer.from('0000007e', 'hex'),
    error: /^input "logits" element \[1\] must be a finite number$/,
  },
  {
    name: 'a JSON FP16 value beyond 65504',
    body: { inputs: [{ ...logits, datatype: 'FP16', data: [1, 70000] }, targets] },
    error: /^input "logits" element \[1\] must be a finite number$/,
  },
  {
    name: 'a matrix in the binary model',
    body: { inputs: [{ ...logits, shape: [1, 2] }, targets] },
    error: /^input "logits" shape \[1, 2\] must be \[N\] in binary mode/,
  },
  {
    name: 'weights of the wrong length',
    body: { inputs: [logits, targets, { name: 'weights', shape: [3], datatype: 'FP32', data: [1, 1, 1] }] },
    error: /^input "weights" shape \[3\] has 3 values; logits has 2 rows/,
  },
  {
    name: 'ignore_index in binary mode',
    body: { inputs: [logits, targets], parameters: { ignore_index: -100 } },
    error: /^parameters\/ignore_index applies only to multiclass/,
  },
  {
    name: 'a target outside [0, 1] in an [N, 1] input of the binary model, named in the shape sent',
    body: { inputs: [logits, { ...targets, datatype: 'FP64', shape: [2, 1], data: [1, 2] }] },
    error: /^input "targets" element \[1, 0\] must be a finite number in \[0, 1\]$/,
  },
  {
    name: 'a probability row not summing to 1',
    url: '/v2/models/focal_loss_multiclass/infer',
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...logits, name: 'targets', shape: [1, 2], data: [0.5, 0.25] },
      ],
    },
    error: /^input "targets" row \[0\] is a probability row summing to 0.75/,
  },
  {
    name: 'an alpha tensor entry out of range',
    url: multilabelUrl,
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...pairTargets, shape: [1, 2], data: [1, 0] },
        { name: 'alpha', shape: [2], datatype: 'FP64', data: [0.5, 2] },
      ],
    },
    error: /^input "alpha" element \[1\] must be a finite number in \[0, 1\]$/,
  },
  // Loss variants: scalar settings as parameters, per-class exponents as input tensors [C].
  {
    name: 'gamma with variant asymmetric',
    url: multilabelUrl,
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...pairTargets, shape: [1, 2], data: [1, 0] },
      ],
      parameters: { variant: 'asymmetric', gamma: 2 },
    },
    error: /^parameters\/gamma is not used with variant "asymmetric"/,
  },
  {
    name: 'variant asymmetric in the multiclass model',
    url: '/v2/models/focal_loss_multiclass/infer',
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...targets, shape: [1], data: [1] },
      ],
      parameters: { variant: 'asymmetric' },
    },
    error: /^parameters\/variant "asymmetric" applies only in binary and multilabel mode$/,
  },
  {
    name: 'clip = 1',
    body: { inputs: [logits, targets], parameters: { variant: 'asymmetric', clip: 1 } },
    error: /parameters\/clip must be < 1/,
  },
  {
    name: 'epsilon without variant poly1',
    body: { inputs: [logits, targets], parameters: { epsilon: 0.5 } },
    error: /^parameters\/epsilon applies only with variant "poly1"/,
  },
  {
    name: 'a gamma list as a parameter (parameters are scalars)',
    url: multilabelUrl,
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...pairTargets, shape: [1, 2], data: [1, 0] },
      ],
      parameters: { gamma: [1, 2] },
    },
    error: /parameters\/gamma must be a number/,
  },
  {
    name: 'a gamma tensor of the wrong length',
    url: multilabelUrl,
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...pairTargets, shape: [1, 2], data: [1, 0] },
        { name: 'gamma', shape: [3], datatype: 'FP32', data: [1, 2, 3] },
      ],
    },
    error: /^input "gamma" has 3 values; must have one per class \(C = 2\)$/,
  },
  {
    name: 'a gamma_neg tensor entry above 20',
    url: multilabelUrl,
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...pairTargets, shape: [1, 2], data: [1, 0] },
        { name: 'gamma_neg', shape: [2], datatype: 'FP64', data: [1, 21] },
      ],
      parameters: { variant: 'asymmetric' },
    },
    error: /^input "gamma_neg" must be a finite number in \[0, 20\]$/,
  },
  {
    name: 'a gamma tensor of rank 2',
    url: multilabelUrl,
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...pairTargets, shape: [1, 2], data: [1, 0] },
        { name: 'gamma', shape: [1, 2], datatype: 'FP32', data: [1, 2] },
      ],
    },
    error: /^input "gamma" has shape \[1, 2\]; it must be \[C\], one value per class$/,
  },
  {
    name: 'gamma both as parameter and tensor',
    url: multilabelUrl,
    body: {
      inputs: [
        { ...logits, shape: [1, 2] },
        { ...pairTargets, shape: [1, 2], data: [1, 0] },
        { name: 'gamma', shape: [2], datatype: 'FP32', data: [1, 2] },
      ],
      parameters: { gamma: 2 },
    },
    error: /gamma is given both as a parameter and as an input tensor/,
  },
  {
    name: 'a gamma tensor for the binary model',
    body: { inputs: [logits, targets, { name: 'gamma', shape: [1], datatype: 'FP32', data: [1] }] },
    error: /unknown input "gamma" for model focal_loss_binary; its inputs are logits, targets, weights, alpha$/,
  },
  // Size limits.
  {
    name: 'more classes than MAX_CLASSES, named by the shape sent',
    url: multilabelUrl,
    body: {
      inputs: [
        { name: 'logits', shape: [1, 9], datatype: 'FP32', parameters: { binary_data_size: 36 } },
        { name: 'targets', shape: [1, 9], datatype: 'UINT8', parameters: { binary_data_size: 9 } },
      ],
    },
    binary: Buffer.alloc(45),
    error: /^input "logits" shape \[1, 9\] has 9 classes; this service accepts at most 8 \(MAX_CLASSES\)$/,
  },
  {
    name: 'a shape past MAX_ELEMENTS',
    body: { inputs: [{ ...logits, shape: [100000, 100000, 100000] }, targets] },
    status: 413,
    error: /more than the 16777216 elements this service accepts per tensor/,
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const json = Buffer.from(JSON.stringify(c.body));
    const headers: Record<string, string> = {
      'content-type': c.contentType ?? (c.binary ? 'application/octet-stream' : 'application/json'),
    };
    if (c.binary !== undefined || c.headerLength !== undefined)
      headers['inference-header-content-length'] = c.headerLength ?? String(json.length);
    const res = await app.inject({
      method: 'POST',
      url: c.url ?? '/v2/models/focal_loss_binary/infer',
      headers,
      payload: c.binary ? Buffer.concat([json, c.binary]) : json,
    });
    t.equal(res.statusCode, c.status ?? 400, 'status');
    t.equal(
      res.headers['content-type'],
      'application/json',
      'a JSON error, not problem+json, typed exactly application/json (KServe reads `error` only then)',
    );
    const body = res.json();
    t.same(Object.keys(body).sort(), ['code', 'error'], 'the protocol error object (plus its code)');
    t.match(body.error, c.error, `says why: ${body.error}`);
  });
}

t.test('binary data sent without a header length: the 400 says which header is missing', async (t) => {
  const json = Buffer.from(JSON.stringify({ inputs: [binaryLogits, targets] }));
  const res = await app.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_binary/infer',
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.concat([json, twoFloats]),
  });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { code: 'malformed-body', error: /not valid (JSON|UTF-8).*needs the Inference-Header-Content-Length header/ });
});

t.test('a NaN or Infinity in a JSON body: the 400 names the value, not the binary framing', async (t) => {
  // As Python's json.dumps writes non-finite floats, with and without a content type.
  for (const [literal, contentType] of [
    ['NaN', undefined],
    ['Infinity', 'application/json'],
    ['-Infinity', 'application/octet-stream'],
  ] as const) {
    // The id holds the literal inside a string with escaped quotes: only the number counts.
    const payload = `{"id":"say \\"${literal}\\"","inputs":[{"name":"logits","shape":[2],"datatype":"FP64","data":[0.5, ${literal}]},{"name":"targets","shape":[2],"datatype":"FP64","data":[1,0]}]}`;
    const res = await app.inject({
      method: 'POST',
      url: '/v2/models/focal_loss_binary/infer',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      payload,
    });
    t.equal(res.statusCode, 400, literal);
    const { error, code } = res.json();
    t.equal(code, 'malformed-body');
    t.match(error, `the body has the value ${literal} at character ${payload.lastIndexOf(literal)}`);
    t.notMatch(error, /Inference-Header-Content-Length/);
  }
  const inString = await app.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_binary/infer',
    payload:
      '{"id":"NaN","inputs":[{"name":"logits","shape":[1],"datatype":"FP64","data":[0.5]},{"name":"targets","shape":[1],"datatype":"FP64","data":[1]}]}',
  });
  t.equal(inString.statusCode, 200, '"NaN" as a string is just text');
});

t.test('metadata of an unknown model or version is a 400 error object', async (t) => {
  for (const url of [
    '/v2/models/resnet50',
    '/v2/models/resnet50/ready',
    '/v2/models/focal_loss_binary/versions/2',
    '/v2/models/focal_loss_binary/versions/0/ready',
  ]) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 400, url);
    t.match(res.json(), { error: /unknown model|no version/, code: 'invalid-request' });
  }
  const route = await app.inject({ method: 'GET', url: '/v2/repository/index' });
  t.equal(route.statusCode, 404);
  t.same(route.json(), { error: 'no route GET /v2/repository/index', code: 'not-found' });
});

t.test('a body over BODY_LIMIT is a 413 error object', async (t) => {
  const small = await buildTestApp(t, { BODY_LIMIT: '1024' });
  const res = await small.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_binary/infer',
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '10' },
    payload: Buffer.alloc(4096),
  });
  t.equal(res.statusCode, 413);
  t.match(res.json(), { error: /larger than this service accepts/, code: 'payload-too-large' });
});

t.test('guards answer /v2 inference in the protocol form and leave its probes and metadata open', async (t) => {
  const guarded = await buildTestApp(t, { API_KEYS: 'k1', RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' });
  const request = { inputs: [logits, targets] };
  const anonymous = await guarded.inject({ method: 'POST', url: '/v2/models/focal_loss_binary/infer', payload: request });
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.json(), { error: /API key/, code: 'unauthorized' });
  t.ok(anonymous.headers['www-authenticate']);
  for (const url of ['/v2', '/v2/health/live', '/v2/health/ready', '/v2/models/focal_loss_binary', '/v2/models/focal_loss_binary/ready']) {
    const res = await guarded.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, `${url} is open`);
  }
  const auth = { authorization: 'Bearer k1' };
  // One limiter for every compute route: a /loss request and a /v2 request use up the two.
  const viaLoss = await guarded.inject({
    method: 'POST',
    url: '/loss',
    headers: auth,
    payload: { mode: 'binary', logits: [0], targets: [1] },
  });
  t.equal(viaLoss.statusCode, 200);
  const viaV2 = await guarded.inject({ method: 'POST', url: '/v2/models/focal_loss_binary/infer', headers: auth, payload: request });
  t.equal(viaV2.statusCode, 200);
  const limited = await guarded.inject({ method: 'POST', url: '/v2/models/focal_loss_binary/infer', headers: auth, payload: request });
  t.equal(limited.statusCode, 429);
  t.match(limited.json(), { error: /rate limit/, code: 'rate-limited' });
  t.ok(limited.headers['retry-after']);
});

t.test('results that do not fit their datatype are 422 error objects, never infinities', async (t) => {
  const overflow = (outputs: unknown[], logits: number[]) => ({
    parameters: { reduction: 'sum', gamma: 0, alpha: 'none' },
    inputs: [
      { name: 'logits', shape: [logits.length], datatype: 'FP64', data: logits },
      { name: 'targets', shape: [logits.length], datatype: 'FP64', data: logits.map(() => 1) },
    ],
    outputs,
  });
  const cases: [string, unknown, RegExp][] = [
    ['the sum overflows float64', overflow([{ name: 'loss' }], [-1.7e308, -1.7e308]), /overflows float64/],
    [
      'a loss too large for FP32',
      overflow([{ name: 'losses', parameters: { datatype: 'FP32' } }], [-1e300]),
      /output "losses" overflows FP32.*ask for FP64/,
    ],
  ];
  for (const [name, payload, error] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v2/models/focal_loss_binary/infer', payload: payload as object });
    t.equal(res.statusCode, 422, name);
    t.match(res.json(), { error, code: 'result-not-finite' }, name);
  }
});
