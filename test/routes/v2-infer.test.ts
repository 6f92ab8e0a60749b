/**
 * POST /v2/models/{model}/infer with requests written by hand from the Open Inference Protocol
 * and its binary tensor data extension: JSON bodies as literal strings, binary tensor data as
 * literal little-endian bytes for every accepted datatype (FP16 and BF16 included). Each answer
 * is checked against POST /loss for the same numbers, and binary answers are split by hand at
 * Inference-Header-Content-Length.
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { float64Bytes, inferBinary, inferJson, outputsByName, readOipReply } from '../helpers/oip.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// One app (and worker pool) for the whole file: starting workers is the slow part.
const app = await buildTestApp(t);

t.test('a JSON request written from the specification', async (t) => {
  const body =
    '{"id":"42","inputs":[' +
    '{"name":"logits","shape":[2,3],"datatype":"FP64","data":[[2.0,0.5,-1.0],[0.1,0.2,3.0]]},' +
    '{"name":"targets","shape":[2],"datatype":"INT64","data":[0,1]}],' +
    '"outputs":[{"name":"loss"},{"name":"gradient"},{"name":"class_support"},{"name":"accuracy"}]}';
  const res = await app.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_multiclass/infer',
    headers: { 'content-type': 'application/json' },
    payload: body,
  });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json');
  t.equal(res.headers['inference-header-content-length'], undefined, 'no binary data, no header length');
  const reply = res.json();
  const ref = await postLoss(app, {
    mode: 'multiclass',
    logits: [
      [2, 0.5, -1],
      [0.1, 0.2, 3],
    ],
    targets: [0, 1],
  });
  t.same(reply, {
    model_name: 'focal_loss_multiclass',
    model_version: '1',
    id: '42',
    parameters: {
      mode: 'multiclass',
      reduction: 'mean',
      variant: 'focal',
      gamma: 2,
      alpha: 'none',
      alpha_convention: 'none',
      label_smoothing: 0,
      target_format: 'class_ids',
      denominator_source: 'count',
      denominator: 2,
      count: 2,
      n: 2,
      c: 3,
    },
    outputs: [
      { name: 'loss', datatype: 'FP64', shape: [1], data: [ref.body.loss] },
      { name: 'gradient', datatype: 'FP64', shape: [2, 3], data: ref.body.gradient.flat() },
      { name: 'class_support', datatype: 'INT64', shape: [3], data: [1, 1, 0] },
      { name: 'accuracy', datatype: 'FP64', shape: [1], data: [0.5] },
    ],
  });
});

t.test('a binary request written byte by byte: FP16 logits, UINT8 targets, binary outputs', async (t) => {
  const header =
    '{"inputs":[' +
    '{"name":"logits","shape":[2,2],"datatype":"FP16","parameters":{"binary_data_size":8}},' +
    '{"name":"targets","shape":[2,2],"datatype":"UINT8","parameters":{"binary_data_size":4}}],' +
    '"outputs":[{"name":"loss","parameters":{"binary_data":true}},{"name":"gradient","parameters":{"binary_data":true}},' +
    '{"name":"class_tp","parameters":{"binary_data":true}}]}';
  // 1.0, -2.0, 0.5, 3.0 as IEEE 754 binary16, little-endian; then 1 0 0 1.
  const data = hex('003c 00c0 0038 0042   01 00 00 01');
  const res = await app.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_multilabel/infer',
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    payload: Buffer.concat([Buffer.from(header), data]),
  });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/octet-stream');
  const headerLength = Number(res.headers['inference-header-content-length']);
  const json = JSON.parse(res.rawPayload.subarray(0, headerLength).toString());
  const bytes = res.rawPayload.subarray(headerLength);
  t.same(
    json.outputs,
    [
      { name: 'loss', datatype: 'FP64', shape: [1], parameters: { binary_data_size: 8 } },
      { name: 'gradient', datatype: 'FP64', shape: [2, 2], parameters: { binary_data_size: 32 } },
      { name: 'class_tp', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } },
    ],
    'each output announces its byte size',
  );
  t.equal(bytes.length, 8 + 32 + 16, 'the outputs follow the header, nothing else');
  const ref = await postLoss(app, {
    mode: 'multilabel',
    logits: [
      [1, -2],
      [0.5, 3],
    ],
    targets: [
      [1, 0],
      [0, 1],
    ],
  });
  t.equal(bytes.readDoubleLE(0), ref.body.loss, 'loss: FP64 little-endian');
  t.same(
    [8, 16, 24, 32].map((o) => bytes.readDoubleLE(o)),
    ref.body.gradient.flat(),
    'gradient: row-major FP64',
  );
  t.same(
    [40, 48].map((o) => bytes.readBigInt64LE(o)),
    [1n, 1n],
    'class_tp: INT64 counts',
  );
});

// Logits [[1, -2], [0.5, 3]] and multilabel targets [[1, 0], [0, 1]] (class ids [0, 1] in
// multiclass), every value exact in every datatype, as the little-endian bytes of each.
const LOGITS: Record<string, string> = {
  FP16: '003c 00c0 0038 0042',
  BF16: '803f 00c0 003f 4040',
  FP32: '0000803f 000000c0 0000003f 00004040',
  FP64: '000000000000f03f 00000000000000c0 000000000000e03f 0000000000000840',
};
const LABELS: Record<string, string> = {
  UINT8: '01 00 00 01',
  INT32: '01000000 00000000 00000000 01000000',
  INT64: '0100000000000000 0000000000000000 0000000000000000 0100000000000000',
  FP16: '003c 0000 0000 003c',
  BF16: '803f 0000 0000 803f',
  FP32: '0000803f 00000000 00000000 0000803f',
  FP64: '000000000000f03f 0000000000000000 0000000000000000 000000000000f03f',
  BOOL: '01 00 00 01',
};
const CLASS_IDS: Record<string, string> = {
  UINT8: '00 01',
  INT32: '00000000 01000000',
  INT64: '0000000000000000 0100000000000000',
  FP32: '00000000 0000803f',
  FP64: '0000000000000000 000000000000f03f',
  BOOL: '00 01',
};

t.test('every input datatype, as binary and as JSON data, gives the numbers of POST /loss', async (t) => {
  const logits = [
    [1, -2],
    [0.5, 3],
  ];
  const multilabel = await postLoss(app, {
    mode: 'multilabel',
    logits,
    targets: [
      [1, 0],
      [0, 1],
    ],
    outputs: ['loss', 'gradient'],
  });
  const multiclass = await postLoss(app, { mode: 'multiclass', logits, targets: [0, 1], outputs: ['loss', 'gradient'] });
  const cases: { model: string; targets: Record<string, string>; targetShape: number[]; targetValues: number[]; ref: typeof multilabel }[] =
    [
      { model: 'focal_loss_multilabel', targets: LABELS, targetShape: [2, 2], targetValues: [1, 0, 0, 1], ref: multilabel },
      { model: 'focal_loss_multiclass', targets: CLASS_IDS, targetShape: [2], targetValues: [0, 1], ref: multiclass },
    ];
  for (const c of cases) {
    for (const [logitsType, logitsHex] of Object.entries(LOGITS)) {
      for (const [targetsType, targetsHex] of Object.entries(c.targets)) {
        const what = `${c.model} logits ${logitsType}, targets ${targetsType}`;
        const logitsBytes = hex(logitsHex);
        const targetBytes = hex(targetsHex);
        const binary = await inferBinary(
          app,
          c.model,
          {
            inputs: [
              { name: 'logits', shape: [2, 2], datatype: logitsType, parameters: { binary_data_size: logitsBytes.length } },
              { name: 'targets', shape: c.targetShape, datatype: targetsType, parameters: { binary_data_size: targetBytes.length } },
            ],
            outputs: [{ name: 'loss' }, { name: 'gradient' }],
          },
          [logitsBytes, targetBytes],
        );
        t.equal(binary.status, 200, `${what} (binary): 200`);
        const fromBinary = outputsByName(binary);
        t.equal(fromBinary.loss.data[0], c.ref.body.loss, `${what} (binary): loss`);
        t.same(fromBinary.gradient.data, c.ref.body.gradient.flat(), `${what} (binary): gradient`);

        const json = await inferJson(app, c.model, {
          inputs: [
            { name: 'logits', shape: [2, 2], datatype: logitsType, data: logits },
            // BOOL's JSON values are true/false.
            {
              name: 'targets',
              shape: c.targetShape,
              datatype: targetsType,
              data: targetsType === 'BOOL' ? c.targetValues.map((v) => v === 1) : c.targetValues,
            },
          ],
          outputs: [{ name: 'loss' }, { name: 'gradient' }],
        });
        t.equal(json.status, 200, `${what} (JSON): 200`);
        t.same(outputsByName(json), fromBinary, `${what}: JSON = binary`);
      }
    }
  }
});

t.test('BOOL targets: one-hot rows in multiclass; bytes other than 0/1 and non-booleans in JSON are 400s', async (t) => {
  const logits = [
    [1, -2, 0.5],
    [0.5, 3, -1],
  ];
  const ref = await postLoss(app, {
    mode: 'multiclass',
    logits,
    targets: [
      [1, 0, 0],
      [0, 0, 1],
    ],
    outputs: ['loss', 'gradient'],
  });
  const oneHot = await inferJson(app, 'focal_loss_multiclass', {
    inputs: [
      { name: 'logits', shape: [2, 3], datatype: 'FP64', data: logits },
      {
        name: 'targets',
        shape: [2, 3],
        datatype: 'BOOL',
        data: [
          [true, false, false],
          [false, false, true],
        ],
      },
    ],
    outputs: [{ name: 'loss' }, { name: 'gradient' }],
  });
  t.equal(oneHot.status, 200);
  t.equal(oneHot.body.parameters.target_format, 'probabilities', 'one-hot BOOL rows are probability rows');
  t.equal(outputsByName(oneHot).loss.data[0], ref.body.loss, 'the loss of POST /loss with the same one-hot rows');
  t.same(outputsByName(oneHot).gradient.data, ref.body.gradient.flat());

  const badByte = await inferBinary(
    app,
    'focal_loss_binary',
    {
      inputs: [
        { name: 'logits', shape: [3], datatype: 'FP64', data: [1, 2, 3] },
        { name: 'targets', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: 3 } },
      ],
    },
    [Buffer.from([1, 0, 2])],
  );
  t.equal(badByte.status, 400);
  t.match(badByte.body.error, /input "targets" element \[2\] is the byte 2, not a BOOL \(0 or 1\)/);
  const numbers = await inferJson(app, 'focal_loss_binary', {
    inputs: [
      { name: 'logits', shape: [2], datatype: 'FP64', data: [1, 2] },
      { name: 'targets', shape: [2], datatype: 'BOOL', data: [true, 1] },
    ],
  });
  t.equal(numbers.status, 400);
  t.match(numbers.body.error, /input "targets" data\[1\] must be true or false for datatype BOOL \(got a number\)/);
  const logitsAsBool = await inferJson(app, 'focal_loss_binary', {
    inputs: [
      { name: 'logits', shape: [2], datatype: 'BOOL', data: [true, false] },
      { name: 'targets', shape: [2], datatype: 'BOOL', data: [true, false] },
    ],
  });
  t.equal(logitsAsBool.status, 400);
  t.match(logitsAsBool.body.error, /input "logits" has datatype BOOL; focal_loss_binary accepts FP32, FP64, FP16, BF16 for it/);
});

t.test('JSON data of a reduced-precision datatype means the values of that datatype', async (t) => {
  // 1/3 is 0.333251953125 in FP16, 0.333984375 in BF16 and Math.fround(1/3) in FP32.
  for (const [datatype, value] of [
    ['FP16', 0.333251953125],
    ['BF16', 0.333984375],
    ['FP32', Math.fround(1 / 3)],
  ] as const) {
    const res = await inferJson(app, 'focal_loss_binary', {
      inputs: [
        { name: 'logits', shape: [1], datatype, data: [1 / 3] },
        { name: 'targets', shape: [1], datatype: 'UINT8', data: [1] },
      ],
      outputs: [{ name: 'gradient' }],
    });
    const ref = await postLoss(app, { mode: 'binary', logits: [value], targets: [1] });
    t.same(outputsByName(res).gradient.data, ref.body.gradient, `${datatype}: the gradient at ${value}`);
  }
});

t.test('flat and nested JSON data are the same tensor', async (t) => {
  const request = (logits: unknown, targets: unknown) => ({
    inputs: [
      { name: 'logits', shape: [2, 3], datatype: 'FP64', data: logits },
      { name: 'targets', shape: [2, 3], datatype: 'FP64', data: targets },
    ],
  });
  const nested = await inferJson(
    app,
    'focal_loss_multilabel',
    request(
      [
        [1, 2, 3],
        [-1, -2, -3],
      ],
      [
        [1, 0, 1],
        [0, 1, 0],
      ],
    ),
  );
  const flat = await inferJson(app, 'focal_loss_multilabel', request([1, 2, 3, -1, -2, -3], [1, 0, 1, 0, 1, 0]));
  t.equal(nested.status, 200);
  t.same(flat.body, nested.body);
});

t.test(
  'without an outputs list every output of the model comes back, in the metadata order, but those only returned when named',
  async (t) => {
    const meta = await app.inject({ method: 'GET', url: '/v2/models/focal_loss_binary' });
    const res = await inferJson(app, 'focal_loss_binary', {
      inputs: [
        { name: 'logits', shape: [3], datatype: 'FP32', data: [2.5, -1, 0] },
        { name: 'targets', shape: [3], datatype: 'FP32', data: [1, 0, 1] },
      ],
    });
    t.equal(res.status, 200);
    t.same(
      res.body.outputs.map((o: { name: string }) => o.name),
      meta
        .json()
        .outputs.filter((o: { parameters: { only_when_named?: boolean } }) => o.parameters.only_when_named !== true)
        .map((o: { name: string }) => o.name),
    );
    t.ok(!res.body.outputs.some((o: { name: string }) => o.name === 'sweep_loss'), 'sweep_loss only when named');
    const o = outputsByName(res);
    t.same(o.count, { datatype: 'INT64', shape: [1], data: [3] });
    t.same(o.class_support.shape, [1], 'binary mode has one class column');
    t.same(o.losses.shape, [3]);
  },
);

t.test('binary_data_output returns every output as binary unless an output says otherwise', async (t) => {
  const res = await inferJson(app, 'focal_loss_binary', {
    parameters: { binary_data_output: true },
    inputs: [
      { name: 'logits', shape: [2], datatype: 'FP64', data: [0.5, -0.5] },
      { name: 'targets', shape: [2], datatype: 'INT32', data: [1, 0] },
    ],
    outputs: [
      { name: 'gradient' },
      { name: 'count', parameters: { binary_data: false } },
      { name: 'loss', parameters: { datatype: 'FP32' } },
    ],
  });
  t.equal(res.status, 200);
  t.equal(res.headers['content-type'], 'application/octet-stream');
  t.same(res.body.outputs, [
    { name: 'gradient', datatype: 'FP64', shape: [2], parameters: { binary_data_size: 16 } },
    { name: 'count', datatype: 'INT64', shape: [1], data: [2] },
    { name: 'loss', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } },
  ]);
  t.equal(res.binary.length, 20, 'binary outputs follow in output order; the JSON one takes no bytes');
  const ref = await postLoss(app, { mode: 'binary', logits: [0.5, -0.5], targets: [1, 0] });
  t.same([res.binary.readDoubleLE(0), res.binary.readDoubleLE(8)], ref.body.gradient);
  t.equal(res.binary.readFloatLE(16), Math.fround(ref.body.loss), 'FP32 when asked');
});

t.test('the ways clients frame a request are all understood', async (t) => {
  const header = {
    inputs: [
      { name: 'logits', shape: [2], datatype: 'FP64', parameters: { binary_data_size: 16 } },
      { name: 'targets', shape: [2], datatype: 'FP64', data: [1, 0] },
    ],
    outputs: [{ name: 'loss' }],
  };
  const chunks = [float64Bytes([0.5, -0.5])];
  const ref = await postLoss(app, { mode: 'binary', logits: [0.5, -0.5], targets: [1, 0] });
  // tritonclient sends no content type; urllib sends a form type; some send application/json.
  for (const contentType of [undefined, 'application/octet-stream', 'application/json', 'application/x-www-form-urlencoded']) {
    const res = await inferBinary(app, 'focal_loss_binary', header, chunks, { 'content-type': contentType });
    t.equal(res.status, 200, `binary framing with content type ${contentType}`);
    t.equal(outputsByName(res).loss.data[0], ref.body.loss);
  }
  const jsonOnly = JSON.stringify({
    ...header,
    inputs: [{ ...header.inputs[0], parameters: undefined, data: [0.5, -0.5] }, header.inputs[1]],
  });
  const plain = await app.inject({ method: 'POST', url: '/v2/models/focal_loss_binary/infer', payload: jsonOnly });
  t.equal(plain.statusCode, 200, 'a JSON request without a content type (tritonclient without binary inputs)');
  const asOctets = await app.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_binary/infer',
    headers: { 'content-type': 'application/octet-stream' },
    payload: jsonOnly,
  });
  t.equal(
    asOctets.statusCode,
    200,
    "a JSON request sent as application/octet-stream without a header length (tritonclient's asyncio client)",
  );
  t.equal(asOctets.json().outputs[0].data[0], ref.body.loss);
  const versioned = await inferJson(app, 'focal_loss_binary/versions/1', {
    model_name: 'focal_loss_binary',
    model_version: '1',
    inputs: [header.inputs[1], { name: 'logits', shape: [2], datatype: 'FP64', data: [0.5, -0.5] }],
    parameters: { timeout: 1000000, priority: 1 },
  });
  t.equal(versioned.status, 200, 'under /versions/1, inputs in any order, tritonclient parameters accepted');
  t.equal(versioned.body.model_version, '1');
});

t.test('protocol conventions map onto the loss settings', async (t) => {
  const logits = [
    [1, -1, 0.5],
    [0.2, 0.1, -2],
    [3, 0, 0],
  ];
  const cases: { name: string; model: string; inputs: unknown[]; parameters?: unknown; loss: Record<string, unknown> }[] = [
    {
      name: 'alpha as an input tensor is the per-class alpha',
      model: 'focal_loss_multiclass',
      inputs: [{ name: 'alpha', shape: [3], datatype: 'FP32', data: [0.5, 1, 2] }],
      loss: { alpha: [0.5, 1, 2] },
    },
    {
      name: 'alpha "none" is no weighting',
      model: 'focal_loss_multilabel',
      inputs: [],
      parameters: { alpha: 'none' },
      loss: { alpha: null },
    },
    {
      name: 'every scalar parameter',
      model: 'focal_loss_multiclass',
      inputs: [{ name: 'weights', shape: [3], datatype: 'FP64', data: [1, 0.5, 2] }],
      parameters: { gamma: 1.5, alpha: 0.5, reduction: 'sum', label_smoothing: 0.1 },
      loss: { gamma: 1.5, alpha: 0.5, reduction: 'sum', label_smoothing: 0.1, weights: [1, 0.5, 2] },
    },
    {
      name: 'normalizer',
      model: 'focal_loss_multilabel',
      inputs: [],
      parameters: { normalizer: 7 },
      loss: { normalizer: 7 },
    },
  ];
  for (const c of cases) {
    const mode = c.model.replace('focal_loss_', '');
    const targets =
      mode === 'multiclass'
        ? [2, 0, 1]
        : [
            [1, 0, 0],
            [0, 1, 1],
            [1, 1, 0],
          ];
    const res = await inferJson(app, c.model, {
      parameters: c.parameters,
      inputs: [
        { name: 'logits', shape: [3, 3], datatype: 'FP64', data: logits },
        { name: 'targets', shape: mode === 'multiclass' ? [3] : [3, 3], datatype: 'INT32', data: targets.flat() },
        ...c.inputs,
      ],
      outputs: [{ name: 'loss' }, { name: 'gradient' }],
    });
    const ref = await postLoss(app, { mode, logits, targets, ...c.loss });
    t.equal(res.status, 200, `${c.name}: 200`);
    const o = outputsByName(res);
    t.equal(o.loss.data[0], ref.body.loss, `${c.name}: loss`);
    t.same(o.gradient.data, ref.body.gradient.flat(), `${c.name}: gradient`);
    t.equal(res.body.parameters.reduction, ref.body.meta.reduction, `${c.name}: conventions echoed`);
  }

  const ignored = await inferJson(app, 'focal_loss_multiclass', {
    parameters: { ignore_index: -100 },
    inputs: [
      { name: 'logits', shape: [3, 3], datatype: 'FP64', data: logits },
      { name: 'targets', shape: [3], datatype: 'INT64', data: [2, -100, 1] },
    ],
    outputs: [{ name: 'loss' }, { name: 'count' }],
  });
  const ignoredRef = await postLoss(app, { mode: 'multiclass', logits, targets: [2, -100, 1], ignore_index: -100 });
  t.same(outputsByName(ignored).loss.data, [ignoredRef.body.loss], 'ignore_index with INT64 targets');
  t.same(outputsByName(ignored).count.data, [2]);
  t.equal(ignored.body.parameters.ignore_index, -100);

  const rows = await inferJson(app, 'focal_loss_multiclass', {
    inputs: [
      { name: 'logits', shape: [2, 3], datatype: 'FP64', data: logits.slice(0, 2) },
      { name: 'targets', shape: [2, 3], datatype: 'FP32', data: [0.25, 0.25, 0.5, 0, 1, 0] },
    ],
    outputs: [{ name: 'loss' }],
  });
  const rowsRef = await postLoss(app, {
    mode: 'multiclass',
    logits: logits.slice(0, 2),
    targets: [
      [0.25, 0.25, 0.5],
      [0, 1, 0],
    ],
  });
  t.same(outputsByName(rows).loss.data, [rowsRef.body.loss], 'probability-row targets [N, C]');
  t.equal(rows.body.parameters.target_format, 'probabilities');

  const column = await inferJson(app, 'focal_loss_binary', {
    inputs: [
      { name: 'logits', shape: [3, 1], datatype: 'FP64', data: [[1], [-1], [2]] },
      { name: 'targets', shape: [3, 1], datatype: 'UINT8', data: [[1], [0], [0]] },
    ],
    outputs: [{ name: 'gradient' }, { name: 'losses' }],
  });
  const columnRef = await postLoss(app, { mode: 'binary', logits: [1, -1, 2], targets: [1, 0, 0], outputs: ['gradient', 'losses'] });
  const co = outputsByName(column);
  t.same(co.gradient, { datatype: 'FP64', shape: [3, 1], data: columnRef.body.gradient }, 'binary [N, 1]: the gradient keeps that shape');
  t.same(co.losses.shape, [3, 1]);
});

t.test('the response carries no id when the request has none', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_binary/infer',
    headers: { 'content-type': 'application/json', 'x-request-id': 'trace-7' },
    payload: {
      inputs: [
        { name: 'logits', shape: [1], datatype: 'FP32', data: [0] },
        { name: 'targets', shape: [1], datatype: 'FP32', data: [1] },
      ],
    },
  });
  const reply = readOipReply(res);
  t.equal(reply.status, 200);
  t.notOk('id' in reply.body);
  t.equal(res.headers['x-request-id'], 'trace-7', 'the transport id is still echoed');
});
