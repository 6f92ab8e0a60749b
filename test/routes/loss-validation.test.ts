/**
 * Bad input is the client's problem, told clearly: every class of bad input gets a 4xx
 * application/problem+json naming the field and the reason, never a 500 and never a silently
 * coerced value, and the service keeps answering afterwards.
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { expectBadRequests, type BadCase } from '../helpers/bad-requests.js';

const binary = { mode: 'binary', logits: [0.5, -1, 2], targets: [1, 0, 1] };
const multiclass = {
  mode: 'multiclass',
  logits: [
    [1, 2, 3],
    [0, 0, 1],
  ],
  targets: [2, 0],
};
const multilabel = {
  mode: 'multilabel',
  logits: [
    [1, 2],
    [0, 1],
  ],
  targets: [
    [1, 0],
    [0, 1],
  ],
};

const cases: BadCase[] = [
  // Types: no coercion of strings, booleans or null into numbers.
  { name: 'a numeric string in logits', body: { ...binary, logits: ['0.5', -1, 2] }, pointer: '#/logits/0', detail: /must be a number/ },
  { name: 'null in logits', body: { ...binary, logits: [null, -1, 2] }, pointer: '#/logits/0', detail: /must be a number/ },
  { name: 'a boolean in targets', body: { ...binary, targets: [true, 0, 1] }, pointer: '#/targets/0', detail: /must be a number/ },
  { name: 'a string gamma', body: { ...binary, gamma: '2' }, pointer: '#/gamma', detail: /must be a number/ },
  { name: 'a null gamma', body: { ...binary, gamma: null }, pointer: '#/gamma', detail: /must be a number/ },
  { name: 'a scalar where an array belongs', body: { ...binary, logits: 3 }, pointer: '#/logits', detail: /must be an array/ },
  {
    name: 'a string in a matrix row',
    body: {
      ...multilabel,
      logits: [
        [1, 2],
        [0, 'x'],
      ],
    },
    pointer: '#/logits/1/1',
    detail: /must be a number/,
  },
  // Required and unknown fields.
  { name: 'mode missing', body: { logits: [1], targets: [1] }, pointer: '#/mode', detail: /is required/ },
  { name: 'logits missing', body: { mode: 'binary', targets: [1] }, pointer: '#/logits', detail: /is required/ },
  {
    name: 'an unknown mode',
    body: { ...binary, mode: 'softmax' },
    pointer: '#/mode',
    detail: /must be one of "binary", "multilabel", "multiclass"/,
  },
  { name: 'an unknown field', body: { ...binary, gama: 2 }, pointer: '#/gama', detail: /not a known field/ },
  { name: 'an unknown reduction', body: { ...binary, reduction: 'avg' }, pointer: '#/reduction', detail: /must be one of/ },
  { name: 'an unknown output', body: { ...binary, outputs: ['loss', 'hessian'] }, pointer: '#/outputs/1', detail: /must be one of/ },
  { name: 'the body is an array', body: [binary], pointer: '#', detail: /must be an object/ },
  // Shapes.
  { name: 'an empty batch', body: { ...binary, logits: [], targets: [] }, pointer: '#/logits', detail: /must not be empty/ },
  { name: 'empty rows', body: { ...multiclass, logits: [[], []] }, pointer: '#/logits/0', detail: /must not be empty/ },
  {
    name: 'ragged logits rows',
    body: {
      ...multiclass,
      logits: [
        [1, 2, 3],
        [0, 1],
      ],
    },
    pointer: '#/logits/1',
    detail: /has 2 values; every row must have 3/,
  },
  {
    name: 'ragged target rows',
    body: { ...multilabel, targets: [[1, 0], [1]] },
    pointer: '#/targets/1',
    detail: /has 1 values; every row must have 2/,
  },
  {
    name: 'N mismatch between logits and targets',
    body: { ...binary, targets: [1, 0] },
    pointer: '#/targets',
    detail: /has 2 rows; logits has 3/,
  },
  {
    name: 'matrix logits in binary mode',
    body: { ...binary, logits: [[1], [2], [3]] },
    pointer: '#/logits',
    detail: /flat array number\[N\] in binary mode/,
  },
  { name: 'vector logits in multilabel mode', body: { ...multilabel, logits: [1, 2] }, pointer: '#/logits', detail: /array of rows/ },
  { name: 'matrix targets in binary mode', body: { ...binary, targets: [[1], [0], [1]] }, pointer: '#/targets', detail: /flat array/ },
  { name: 'vector targets in multilabel mode', body: { ...multilabel, targets: [1, 0] }, pointer: '#/targets', detail: /array of rows/ },
  {
    name: 'weights of the wrong length',
    body: { ...binary, weights: [1, 1] },
    pointer: '#/weights',
    detail: /has 2 values; logits has 3 rows/,
  },
  { name: 'alpha list of the wrong length', body: { ...multiclass, alpha: [1, 1] }, pointer: '#/alpha', detail: /one per class \(C = 3\)/ },
  {
    name: 'class_names of the wrong length',
    body: { ...multiclass, class_names: ['a', 'b'] },
    pointer: '#/class_names',
    detail: /one per class/,
  },
  // Values.
  {
    name: 'a non-finite logit (1e999 parses to Infinity)',
    body: '{"mode":"binary","logits":[1e999,0,1],"targets":[1,0,1]}',
    pointer: '#/logits/0',
    detail: /finite/,
  },
  { name: 'a binary target above 1', body: { ...binary, targets: [1.5, 0, 1] }, pointer: '#/targets/0', detail: /in \[0, 1\]/ },
  {
    name: 'a negative multilabel target',
    body: {
      ...multilabel,
      targets: [
        [1, 0],
        [-0.1, 1],
      ],
    },
    pointer: '#/targets/1/0',
    detail: /in \[0, 1\]/,
  },
  {
    name: 'a class id out of range',
    body: { ...multiclass, targets: [3, 0] },
    pointer: '#/targets/0',
    detail: /class id 3 is out of range \[0, 3\)/,
  },
  { name: 'a negative class id', body: { ...multiclass, targets: [-1, 0] }, pointer: '#/targets/0', detail: /out of range/ },
  {
    name: 'a non-integer class id',
    body: { ...multiclass, targets: [1.5, 0] },
    pointer: '#/targets/0',
    detail: /must be an integer class id/,
  },
  {
    name: 'a probability row not summing to 1',
    body: {
      ...multiclass,
      targets: [
        [0.5, 0.2, 0.2],
        [0, 0, 1],
      ],
    },
    pointer: '#/targets/0',
    detail: /must sum to 1/,
  },
  {
    name: 'a negative probability',
    body: {
      ...multiclass,
      targets: [
        [1.5, -0.5, 0],
        [0, 0, 1],
      ],
    },
    pointer: '#/targets/0/1',
    detail: />= 0/,
  },
  { name: 'a negative weight', body: { ...binary, weights: [1, -1, 1] }, pointer: '#/weights/1', detail: />= 0/ },
  { name: 'gamma above 20', body: { ...binary, gamma: 21 }, pointer: '#/gamma', detail: /<= 20/ },
  { name: 'a negative gamma', body: { ...binary, gamma: -0.5 }, pointer: '#/gamma', detail: />= 0/ },
  { name: 'alpha above 1', body: { ...binary, alpha: 1.5 }, pointer: '#/alpha', detail: /<= 1/ },
  { name: 'a multilabel alpha list entry above 1', body: { ...multilabel, alpha: [0.5, 2] }, pointer: '#/alpha/1', detail: /in \[0, 1\]/ },
  { name: 'a negative multiclass alpha entry', body: { ...multiclass, alpha: [1, -1, 1] }, pointer: '#/alpha/1', detail: />= 0/ },
  { name: 'label_smoothing of 1', body: { ...binary, label_smoothing: 1 }, pointer: '#/label_smoothing', detail: /< 1/ },
  { name: 'a zero normalizer', body: { ...binary, normalizer: 0 }, pointer: '#/normalizer', detail: /> 0/ },
  {
    name: 'a normalizer with reduction sum',
    body: { ...binary, reduction: 'sum', normalizer: 2 },
    pointer: '#/normalizer',
    detail: /^applies only with reduction "mean" \(reduction "sum" divides by nothing\)$/,
  },
  {
    name: 'a normalizer with reduction none',
    body: { ...multiclass, reduction: 'none', normalizer: 2 },
    pointer: '#/normalizer',
    detail: /^applies only with reduction "mean" \(reduction "none"/,
  },
  {
    name: 'a non-integer ignore_index',
    body: { ...multiclass, ignore_index: 1.5 },
    pointer: '#/ignore_index',
    detail: /must be an integer/,
  },
  { name: 'ignore_index in binary mode', body: { ...binary, ignore_index: -100 }, pointer: '#/ignore_index', detail: /only to multiclass/ },
  {
    name: 'ignore_index with probability rows',
    body: {
      ...multiclass,
      targets: [
        [0, 0, 1],
        [1, 0, 0],
      ],
      ignore_index: -100,
    },
    pointer: '#/ignore_index',
    detail: /integer class-id targets/,
  },
  { name: 'repeated outputs', body: { ...binary, outputs: ['loss', 'loss'] }, pointer: '#/outputs', detail: /duplicate/ },
];

t.test('each class of bad input gets a 400 problem naming the field', async (t) => {
  const app = await buildTestApp(t);
  await expectBadRequests(t, app, cases);
  // ... and the service keeps answering.
  const ok = await postLoss(app, binary);
  t.equal(ok.status, 200, 'a good request still succeeds afterwards');
});

t.test('type coercion is off: "0.5", null and a bare number are not turned into numbers or arrays', async (t) => {
  const app = await buildTestApp(t);
  for (const body of [
    { ...binary, gamma: '0.5' },
    { ...binary, alpha: '0.5' },
    { ...binary, logits: [null, null, null] },
    { ...binary, weights: 1 },
    { ...binary, label_smoothing: false },
  ]) {
    const res = await postLoss(app, body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.match(res.body.detail, /no type coercion/);
  }
});

t.test('many bad values produce a short, capped list of errors', async (t) => {
  const app = await buildTestApp(t);
  const n = 10000;
  const res = await postLoss(app, { mode: 'binary', logits: new Array(n).fill(0), targets: new Array(n).fill(2) });
  t.equal(res.status, 400);
  t.equal(res.body.errors.length, 20, 'at most 20 errors listed');
  t.match(res.body.detail, /the first 20 errors are listed/);
});

t.test('bodies that are not JSON objects', async (t) => {
  const app = await buildTestApp(t);
  const send = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': contentType }, payload });

  const truncated = await send('{"mode":"binary","logits":[1,');
  t.equal(truncated.statusCode, 400, 'truncated JSON: 400');
  t.equal(truncated.json().code, 'malformed-body');

  const empty = await send('');
  t.equal(empty.statusCode, 400, 'empty body: 400');
  t.equal(empty.json().code, 'malformed-body');

  const proto = await send('{"mode":"binary","logits":[1],"targets":[1],"__proto__":{"x":1}}');
  t.equal(proto.statusCode, 400, '__proto__ key: 400');

  const text = await send('mode=binary', 'text/plain');
  t.equal(text.statusCode, 415, 'text/plain: 415');
  t.equal(text.json().code, 'unsupported-media-type');
  t.match(text.headers['content-type'], /application\/problem\+json/);

  const form = await send('a=1', 'application/x-www-form-urlencoded');
  t.equal(form.statusCode, 415, 'a form: 415');
});

t.test('a body over BODY_LIMIT gets 413 with the same problem shape', async (t) => {
  const app = await buildTestApp(t, { BODY_LIMIT: '2048' });
  const n = 1000;
  const res = await postLoss(app, { mode: 'binary', logits: new Array(n).fill(0.123456), targets: new Array(n).fill(1) });
  t.equal(res.status, 413);
  t.equal(res.body.code, 'payload-too-large');
  t.match(res.headers['content-type'], /application\/problem\+json/);
});

t.test('more than MAX_ELEMENTS elements gets 413 naming logits', async (t) => {
  const app = await buildTestApp(t, { MAX_ELEMENTS: '10' });
  const res = await postLoss(app, { mode: 'multilabel', logits: new Array(4).fill([0, 1, 2]), targets: new Array(4).fill([0, 1, 1]) });
  t.equal(res.status, 413);
  t.equal(res.body.code, 'too-many-elements');
  t.equal(res.body.errors[0].pointer, '#/logits');
  const ok = await postLoss(app, { mode: 'multilabel', logits: new Array(3).fill([0, 1, 2]), targets: new Array(3).fill([0, 1, 1]) });
  t.equal(ok.status, 200, 'exactly at the limit is accepted');
});

t.test('a result that overflows float64 is a 422, never a non-finite number', async (t) => {
  const app = await buildTestApp(t);
  const res = await postLoss(app, {
    mode: 'binary',
    logits: [-1.7e308, -1.7e308],
    targets: [1, 1],
    alpha: null,
    gamma: 0,
    reduction: 'sum',
  });
  t.equal(res.status, 422);
  t.equal(res.body.code, 'result-not-finite');
});

t.test('unknown routes and methods are problems too', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/nope' });
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'not-found');
  t.match(res.headers['content-type'], /application\/problem\+json/);
});
