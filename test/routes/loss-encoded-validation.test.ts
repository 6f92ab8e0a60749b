/**
 * Encoded tensors are validated as strictly as JSON arrays: every class of bad encoding gets a
 * 400 problem naming the field (element errors inside the base64 data point at `#/<field>/data`
 * and give the element's index in the detail), never a 500, never a silently coerced value.
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { expectBadRequests, type BadCase } from '../helpers/bad-requests.js';
import { tensor } from '../helpers/encoded.js';

const f32 = (shape: number[], values: number[]) => tensor('float32', shape, values);
const binary = { mode: 'binary', logits: f32([3], [0.5, -1, 2]), targets: tensor('uint8', [3], [1, 0, 1]) };
const multiclass = { mode: 'multiclass', logits: f32([2, 3], [1, 2, 3, 0, 0, 1]), targets: tensor('int32', [2], [2, 0]) };
const multilabel = { mode: 'multilabel', logits: f32([2, 2], [1, 2, 0, 1]), targets: tensor('uint8', [2, 2], [1, 0, 0, 1]) };
const withData = (base: { dtype: string; shape: number[]; data: string }, data: string) => ({ ...base, data });

const cases: BadCase[] = [
  // The tensor object itself (schema).
  {
    name: 'an unknown dtype',
    body: { ...binary, logits: { ...binary.logits, dtype: 'float16' } },
    pointer: '#/logits/dtype',
    detail: /must be one of/,
  },
  {
    name: 'a tensor without data',
    body: { ...binary, logits: { dtype: 'float32', shape: [3] } },
    pointer: '#/logits/data',
    detail: /is required/,
  },
  {
    name: 'an unknown tensor field',
    body: { ...binary, logits: { ...binary.logits, order: 'C' } },
    pointer: '#/logits/order',
    detail: /not a known field/,
  },
  {
    name: 'a rank-9 shape (dense shapes go up to rank 8)',
    body: { ...binary, logits: f32([1, 1, 1, 1, 1, 1, 1, 1, 3], [0, 1, 2]) },
    pointer: '#/logits/shape',
    detail: /must NOT have more than 8 items/,
  },
  {
    name: 'a negative dimension',
    body: { ...binary, logits: { ...binary.logits, shape: [-3] } },
    pointer: '#/logits/shape/0',
    detail: />= 0/,
  },
  {
    name: 'a fractional dimension',
    body: { ...binary, logits: { ...binary.logits, shape: [1.5] } },
    pointer: '#/logits/shape/0',
    detail: /integer/,
  },
  {
    name: 'data that is not a string',
    body: { ...binary, logits: { ...binary.logits, data: [1, 2] } },
    pointer: '#/logits/data',
    detail: /must be a string/,
  },
  // dtype allowed for the field.
  {
    name: 'integer logits',
    body: { ...binary, logits: tensor('int32', [3], [0, 1, 2]) },
    pointer: '#/logits/dtype',
    detail: /must be float32 or float64 for logits \(got int32\)/,
  },
  {
    name: 'uint8 weights',
    body: { ...binary, weights: tensor('uint8', [3], [1, 1, 1]) },
    pointer: '#/weights/dtype',
    detail: /float32 or float64 for weights/,
  },
  {
    name: 'int64 alpha',
    body: { ...multiclass, alpha: tensor('int64', [3], [1, 1, 1]) },
    pointer: '#/alpha/dtype',
    detail: /float32 or float64 for alpha/,
  },
  // Byte count and strict base64.
  {
    name: 'data one element short',
    body: { ...binary, logits: withData(binary.logits, f32([2], [0, 1]).data) },
    pointer: '#/logits/data',
    detail: /has 12 base64 characters; 12 bytes are 16 characters.*shape \[3\] of float32 is 12 bytes/,
  },
  {
    name: 'data one element long',
    body: { ...binary, targets: withData(binary.targets, tensor('uint8', [4], [1, 0, 1, 1]).data) },
    pointer: '#/targets/data',
    detail: /has 8 base64 characters; 3 bytes are 4/,
  },
  {
    name: 'a character outside the alphabet',
    body: { ...binary, logits: withData(binary.logits, 'AAAAAAAAAAAAAA!A') },
    pointer: '#/logits/data',
    detail: /outside the base64 alphabet/,
  },
  {
    name: 'a line break inside the data',
    body: { ...binary, logits: withData(binary.logits, 'AAAAAAAA\nAAAAAAA') },
    pointer: '#/logits/data',
    detail: /outside the base64 alphabet/,
  },
  {
    name: 'the URL-safe alphabet',
    body: { ...binary, logits: withData(binary.logits, 'AAAAAAAAAAAAAA-_') },
    pointer: '#/logits/data',
    detail: /URL-safe alphabet/,
  },
  {
    name: 'missing padding',
    body: { ...multilabel, targets: withData(multilabel.targets, 'AQAAAQAA') },
    pointer: '#/targets/data',
    detail: /not padded correctly/,
  },
  {
    name: 'padding where there should be none',
    body: { ...binary, targets: withData(binary.targets, 'AQA=') },
    pointer: '#/targets/data',
    detail: /not padded correctly/,
  },
  {
    name: 'padding in the middle',
    body: { ...binary, logits: withData(binary.logits, 'AA==AAAAAAAAAAAA') },
    pointer: '#/logits/data',
    detail: /outside the base64 alphabet/,
  },
  {
    name: 'unused bits set in the last character',
    body: { ...multilabel, targets: withData(multilabel.targets, 'AQAAAR==') },
    pointer: '#/targets/data',
    detail: /not canonical/,
  },
  // Shapes agree with the mode and with the logits.
  {
    name: 'an empty batch',
    body: { ...binary, logits: f32([0], []), targets: tensor('uint8', [0], []) },
    pointer: '#/logits/shape',
    detail: /must not be empty/,
  },
  { name: 'empty rows', body: { ...multiclass, logits: f32([2, 0], []) }, pointer: '#/logits/shape', detail: /C must be at least 1/ },
  {
    name: '[N, C] logits in binary mode',
    body: { ...binary, logits: f32([3, 1], [0, 1, 2]) },
    pointer: '#/logits/shape',
    detail: /must be \[N\] in binary mode/,
  },
  {
    name: '[N] logits in multiclass mode',
    body: { ...multiclass, logits: f32([6], [1, 2, 3, 0, 0, 1]) },
    pointer: '#/logits/shape',
    detail: /must be \[N, C\] in multiclass mode/,
  },
  {
    name: 'targets with another N',
    body: { ...binary, targets: tensor('uint8', [2], [1, 0]) },
    pointer: '#/targets/shape',
    detail: /has 2 rows; logits has 3/,
  },
  {
    name: 'multilabel targets with another C',
    body: { ...multilabel, targets: tensor('uint8', [2, 3], [1, 0, 0, 0, 1, 0]) },
    pointer: '#/targets/shape',
    detail: /has C = 3; logits has C = 2/,
  },
  {
    name: '[N] targets in multilabel mode',
    body: { ...multilabel, targets: tensor('uint8', [2], [1, 0]) },
    pointer: '#/targets/shape',
    detail: /must be \[N, C\] in multilabel mode/,
  },
  {
    name: 'weights of another length',
    body: { ...binary, weights: f32([2], [1, 1]) },
    pointer: '#/weights/shape',
    detail: /has 2 values; logits has 3 rows/,
  },
  {
    name: 'matrix weights',
    body: { ...binary, weights: f32([3, 1], [1, 1, 1]) },
    pointer: '#/weights/shape',
    detail: /must be a flat list \[N\]/,
  },
  {
    name: 'alpha of another length',
    body: { ...multiclass, alpha: f32([2], [1, 1]) },
    pointer: '#/alpha/shape',
    detail: /one per class \(C = 3\)/,
  },
  // Values.
  {
    name: 'NaN in float32 logits',
    body: { ...binary, logits: f32([3], [0.5, NaN, 2]) },
    pointer: '#/logits/data',
    detail: /element \[1\] must be a finite number/,
  },
  {
    name: 'Infinity in float64 logits',
    body: { ...multiclass, logits: tensor('float64', [2, 3], [1, 2, 3, 0, -Infinity, 1]) },
    pointer: '#/logits/data',
    detail: /element \[1, 1\] must be a finite number/,
  },
  {
    name: 'a uint8 binary target of 2',
    body: { ...binary, targets: tensor('uint8', [3], [2, 0, 1]) },
    pointer: '#/targets/data',
    detail: /element \[0\] must be a finite number in \[0, 1\]/,
  },
  {
    name: 'a negative float32 multilabel target',
    body: { ...multilabel, targets: f32([2, 2], [1, 0, -0.5, 1]) },
    pointer: '#/targets/data',
    detail: /element \[1, 0\] must be a finite number in \[0, 1\]/,
  },
  {
    name: 'an int64 class id out of range',
    body: { ...multiclass, targets: tensor('int64', [2], [7, 0]) },
    pointer: '#/targets/data',
    detail: /element \[0\] class id 7 is out of range \[0, 3\)/,
  },
  {
    name: 'an int64 class id beyond int32',
    body: { ...multiclass, targets: tensor('int64', [2], [2 ** 40, 0]) },
    pointer: '#/targets/data',
    detail: /class id 1099511627776 is out of range/,
  },
  {
    name: 'a negative int32 class id',
    body: { ...multiclass, targets: tensor('int32', [2], [0, -1]) },
    pointer: '#/targets/data',
    detail: /element \[1\] class id -1 is out of range/,
  },
  {
    name: 'a fractional float32 class id',
    body: { ...multiclass, targets: f32([2], [0.5, 1]) },
    pointer: '#/targets/data',
    detail: /element \[0\] must be an integer class id/,
  },
  {
    name: 'a probability row not summing to 1',
    body: { ...multiclass, targets: f32([2, 3], [0.5, 0.25, 0.125, 0, 0, 1]) },
    pointer: '#/targets/data',
    detail: /row \[0\] is a probability row summing to 0.875/,
  },
  {
    name: 'a negative float64 weight',
    body: { ...binary, weights: tensor('float64', [3], [1, -1, 1]) },
    pointer: '#/weights/data',
    detail: /element \[1\] must be a finite number >= 0/,
  },
  {
    name: 'a binary alpha list entry above 1',
    body: { ...binary, alpha: f32([1], [1.5]) },
    pointer: '#/alpha/data',
    detail: /element \[0\] must be a finite number in \[0, 1\]/,
  },
  // Options.
  {
    name: 'dtype without encoding "base64"',
    body: { ...binary, dtype: 'float32' },
    pointer: '#/dtype',
    detail: /applies only with encoding "base64"/,
  },
  {
    name: 'an unknown response dtype',
    body: { ...binary, encoding: 'base64', dtype: 'int32' },
    pointer: '#/dtype',
    detail: /must be one of "float32", "float64"/,
  },
  { name: 'an unknown encoding', body: { ...binary, encoding: 'hex' }, pointer: '#/encoding', detail: /must be one of "json", "base64"/ },
];

t.test('each class of bad encoding gets a 400 problem naming the field', async (t) => {
  const app = await buildTestApp(t);
  await expectBadRequests(t, app, cases);
  for (const body of [binary, multiclass, multilabel]) {
    t.equal((await postLoss(app, body)).status, 200, `the valid ${body.mode} request is accepted`);
  }
});

t.test('errors in several encoded fields are all reported, capped like JSON', async (t) => {
  const app = await buildTestApp(t);
  const res = await postLoss(app, { ...binary, logits: f32([3], [NaN, 0, Infinity]), targets: tensor('uint8', [3], [1, 5, 1]) });
  t.equal(res.status, 400);
  t.same(
    res.body.errors.map((e: { pointer: string; detail: string }) => `${e.pointer} ${e.detail.split(' must')[0]}`),
    ['#/logits/data element [0]', '#/logits/data element [2]', '#/targets/data element [1]'],
  );
  const n = 5000;
  const many = await postLoss(app, {
    mode: 'binary',
    logits: f32([n], new Array(n).fill(NaN)),
    targets: tensor('uint8', [n], new Array(n).fill(1)),
  });
  t.equal(many.body.errors.length, 20, 'at most 20 errors listed');
});

t.test('the element limit is checked on the declared shape, before any data is decoded', async (t) => {
  const app = await buildTestApp(t, { MAX_ELEMENTS: '10' });
  // The data is not even valid base64: the 413 comes from the shape alone.
  const res = await postLoss(app, {
    mode: 'multilabel',
    logits: { dtype: 'float32', shape: [100000, 1000], data: 'AA==' },
    targets: tensor('uint8', [1, 1], [1]),
  });
  t.equal(res.status, 413);
  t.equal(res.body.code, 'too-many-elements');
  t.equal(res.body.errors[0].pointer, '#/logits');
});

t.test('more classes than MAX_CLASSES in an encoded shape: the 400 points at the shape, before any data is decoded', async (t) => {
  const app = await buildTestApp(t);
  const res = await postLoss(app, {
    mode: 'multilabel',
    logits: { dtype: 'float32', shape: [1000000, 1000000], data: 'AA==' },
    targets: tensor('uint8', [1, 1], [1]),
  });
  t.equal(res.status, 400);
  t.equal(res.body.detail, 'logits/shape has 1000000 classes; this service accepts at most 100000 (MAX_CLASSES)');
  t.same(res.body.errors, [
    { pointer: '#/logits/shape', detail: 'has 1000000 classes; this service accepts at most 100000 (MAX_CLASSES)' },
  ]);
});

t.test('a float32 response that would overflow float32 is a 422, not an infinity', async (t) => {
  const app = await buildTestApp(t);
  const body = { mode: 'binary', logits: [0, 1], targets: [1, 0], weights: [1e300, 1], reduction: 'sum' };
  const res = await postLoss(app, { ...body, encoding: 'base64', dtype: 'float32' });
  t.equal(res.status, 422);
  t.equal(res.body.code, 'result-not-finite');
  t.match(res.body.detail, /beyond the float32 range; ask for dtype "float64"/);
  t.equal((await postLoss(app, { ...body, encoding: 'base64' })).status, 200, 'float64 holds it');
});
