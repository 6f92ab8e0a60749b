/**
 * Dense shapes (reference README, "Dense shapes"): logits [N, C, d1, ..., dk] with the class
 * axis at 1. Property: a dense batch gives the answer of its reshaped 2-D batch
 * [N * d1 * ... * dk, C] (moved by the test's own loops), with the gradient and losses moved
 * back (bit for bit), counts and rates identical and loss sums to rounding (the kernels walk the
 * dense layout in place, in other chunks); for every mode, target form and variant, as nested JSON
 * and as base64 tensors, through POST /loss and /v2. And the shape errors are 400s naming the field.
 */
import t from 'tap';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { LossResponseSchema } from '../../src/schemas/loss-response.js';
import { EncodedTensorSchema } from '../../src/schemas/encoded-tensor.js';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { tensor, type Tensor } from '../helpers/encoded.js';
import { inferJson, outputsByName } from '../helpers/oip.js';
import { expectBadRequests, type BadCase } from '../helpers/bad-requests.js';

type Mode = 'binary' | 'multilabel' | 'multiclass';

/** Nested arrays of `shape` from flat row-major values. */
function nest(flat: number[], shape: number[]): unknown {
  if (shape.length === 1) return flat.slice(0, shape[0]);
  const stride = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * stride, (i + 1) * stride), shape.slice(1)));
}

/** [N, C, S] flat -> rows [N*S][C] (the test's own transposition). */
function toRows(flat: number[], n: number, c: number, s: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) for (let p = 0; p < s; p++) rows.push(Array.from({ length: c }, (_, k) => flat[i * c * s + k * s + p]));
  return rows;
}

/** rows [N*S][C] -> [N, C, S] flat. */
function fromRows(rows: number[][], n: number, c: number, s: number): number[] {
  const flat = new Array<number>(n * c * s);
  for (let i = 0; i < n; i++) for (let p = 0; p < s; p++) for (let k = 0; k < c; k++) flat[i * c * s + k * s + p] = rows[i * s + p][k];
  return flat;
}

interface DenseCase {
  mode: Mode;
  n: number;
  c: number;
  spatial: number[];
  logits: number[];
  /** Flat targets: class ids [N*S] (multiclass ids), else [N, C, S] (binary: [N, S]). */
  targets: number[];
  classIds: boolean;
  weights: number[] | null;
  settings: Record<string, unknown>;
}

const arbitraryCase: fc.Arbitrary<DenseCase> = fc
  .record({
    mode: fc.constantFrom<Mode>('binary', 'multilabel', 'multiclass'),
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 2, max: 4 }),
    spatial: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
    classIds: fc.boolean(),
    weighted: fc.boolean(),
    variant: fc.constantFrom('focal', 'poly1', 'asymmetric'),
    seed: fc.integer({ min: 1, max: 1e6 }),
  })
  .map((r) => {
    const c = r.mode === 'binary' ? 1 : r.c;
    // Binary logits [N, d1, ..., dk] are dense from rank 3 (k >= 2); [N, d1] is a 2-D batch.
    const spatial = r.mode === 'binary' && r.spatial.length === 1 ? [...r.spatial, 2] : r.spatial;
    const s = spatial.reduce((a, b) => a * b, 1);
    let x = r.seed;
    const rand = () => (x = (x * 16807) % 2147483647) / 2147483647;
    const logits = Array.from({ length: r.n * c * s }, () => (rand() - 0.5) * 12);
    const classIds = r.mode === 'multiclass' && r.classIds;
    let targets: number[];
    if (classIds) targets = Array.from({ length: r.n * s }, () => Math.floor(rand() * c));
    else if (r.mode === 'multiclass') {
      // Probability rows along the class axis: [N, C, S] with each (n, s) column summing to 1.
      const rows = Array.from({ length: r.n * s }, () => {
        const v = Array.from({ length: c }, () => rand());
        const sum = v.reduce((a, b) => a + b, 0);
        return v.map((e) => e / sum);
      });
      targets = fromRows(rows, r.n, c, s);
    } else targets = Array.from({ length: r.n * c * s }, () => Math.round(rand()));
    const variant = r.mode === 'multiclass' && r.variant === 'asymmetric' ? 'focal' : r.variant;
    const settings: Record<string, unknown> = { variant, reduction: 'none' };
    if (variant === 'poly1')
      Object.assign(settings, { epsilon: 0.5, gamma: r.mode === 'binary' ? 1.5 : Array.from({ length: c }, (_, k) => 0.5 + k) });
    if (variant === 'asymmetric') Object.assign(settings, { gamma_pos: 1, gamma_neg: 3, clip: 0.1 });
    const weights = r.weighted ? Array.from({ length: r.n }, () => rand() * 2) : null;
    return { mode: r.mode, n: r.n, c, spatial, logits, targets, classIds, weights, settings };
  });

function denseShapes(d: DenseCase) {
  const logitsShape = d.mode === 'binary' ? [d.n, ...d.spatial] : [d.n, d.c, ...d.spatial];
  const targetsShape = d.classIds ? [d.n, ...d.spatial] : logitsShape;
  return { logitsShape, targetsShape };
}

function denseBody(d: DenseCase, form: 'json' | 'base64'): Record<string, unknown> {
  const { logitsShape, targetsShape } = denseShapes(d);
  const field = (flat: number[], shape: number[], dtype: 'float64' | 'uint8') =>
    form === 'json' ? nest(flat, shape) : tensor(dtype, shape, flat);
  const body: Record<string, unknown> = {
    mode: d.mode,
    logits: field(d.logits, logitsShape, 'float64'),
    targets: field(d.targets, targetsShape, d.classIds ? 'uint8' : 'float64'),
    ...d.settings,
  };
  if (d.weights !== null) body.weights = d.weights;
  if (form === 'base64') body.encoding = 'base64';
  return body;
}

/** The same problem as an ordinary 2-D batch, moved by the test. */
function rowsBody(d: DenseCase): Record<string, unknown> {
  const s = d.spatial.reduce((a, b) => a * b, 1);
  const rows = toRows(d.logits, d.n, d.c, s);
  const body: Record<string, unknown> = {
    mode: d.mode,
    logits: d.mode === 'binary' ? rows.map((r) => r[0]) : rows,
    targets: d.classIds ? d.targets : d.mode === 'binary' ? d.targets : toRows(d.targets, d.n, d.c, s),
    ...d.settings,
  };
  if (d.weights !== null) body.weights = d.weights.flatMap((w) => new Array(s).fill(w));
  return body;
}

/** The 2-D answer's gradient and losses moved back to the dense layout, flat. */
function expectedDense(d: DenseCase, answer: Record<string, any>) {
  const s = d.spatial.reduce((a, b) => a * b, 1);
  const asRows = (v: number[] | number[][]) => v.map((e) => (Array.isArray(e) ? e : [e]));
  const gradient = fromRows(asRows(answer.gradient), d.n, d.c, s);
  const losses = d.mode === 'multilabel' ? fromRows(answer.losses, d.n, d.c, s) : (answer.losses as number[]);
  return { gradient, losses };
}

/**
 * Mismatches between two answers' numbers: integers (counts, histograms) exactly, other numbers to
 * 1e-13 relative. The kernels add sums (loss, Brier, NLL, calibration) in chunks, and a dense batch
 * is walked in its own layout, so in other chunks than its 2-D batch: the sums round differently.
 */
function mismatches(a: unknown, b: unknown, at = ''): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    const ok = Number.isInteger(a) && Number.isInteger(b) ? a === b : Math.abs(a - b) <= 1e-13 * Math.max(Math.abs(a), Math.abs(b));
    return ok ? [] : [`${at}: ${a} vs ${b}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length ? a.flatMap((e, i) => mismatches(e, b[i], `${at}/${i}`)) : [`${at}: length ${a.length} vs ${b.length}`];
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => mismatches((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}/${k}`));
  }
  return Object.is(a, b) ? [] : [`${at}: ${String(a)} vs ${String(b)}`];
}

/** A float64 tensor's values, flat (any rank). */
const float64Values = (t: Tensor) => Array.from(new Float64Array(new Uint8Array(Buffer.from(t.data, 'base64')).buffer));

const flatten = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flatten) : [v as number]);

t.test('a dense batch equals its reshaped 2-D batch with gradient and losses moved back (POST /loss, JSON and base64)', async (t) => {
  const app = await buildTestApp(t);
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(arbitraryCase, fc.constantFrom<'json' | 'base64'>('json', 'base64'), async (d, form) => {
      const [dense, rows] = await Promise.all([postLoss(app, denseBody(d, form)), postLoss(app, rowsBody(d))]);
      if (dense.status !== 200 || rows.status !== 200)
        throw new Error(`status ${dense.status} / ${rows.status}: ${JSON.stringify(dense.body)}`);
      const { logitsShape, targetsShape } = denseShapes(d);
      const expected = expectedDense(d, rows.body);
      const g = form === 'json' ? dense.body.gradient : float64Values(dense.body.gradient as Tensor);
      const l = form === 'json' ? dense.body.losses : float64Values(dense.body.losses as Tensor);
      if (form === 'base64') {
        t.same(dense.body.gradient.shape, logitsShape, "the gradient tensor has the logits' shape");
        t.same(
          dense.body.losses.shape,
          d.mode === 'multiclass' ? [d.n, ...d.spatial] : logitsShape,
          "losses: the targets' shape (multiclass) or the logits'",
        );
      } else {
        t.same(flatten(g).length, d.logits.length);
        t.ok(Value.Check(LossResponseSchema, [EncodedTensorSchema], dense.body), 'the dense answer matches the response schema');
      }
      t.same(flatten(g), expected.gradient, 'gradient = the 2-D gradient moved back');
      t.same(flatten(l), expected.losses, 'losses = the 2-D losses moved back');
      t.equal(dense.body.meta.count, rows.body.meta.count, 'count');
      t.same(
        mismatches([dense.body.loss, dense.body.stats], [rows.body.loss, rows.body.stats]),
        [],
        'loss and stats: counts exactly, sums to rounding',
      );
      seen.add(`${d.mode}/${targetsShape.length === logitsShape.length ? 'same' : 'ids'}/${d.settings.variant}/${form}`);
    }),
    { numRuns: 60 },
  );
  t.ok(seen.size >= 10, `modes, target forms, variants and encodings covered: ${[...seen].sort().join(', ')}`);
});

t.test('/v2: a dense batch equals its reshaped 2-D batch through POST /loss, gradient and losses moved back', async (t) => {
  const app = await buildTestApp(t);
  await fc.assert(
    fc.asyncProperty(arbitraryCase, async (d) => {
      const { logitsShape, targetsShape } = denseShapes(d);
      const { gamma, ...parameters } = d.settings;
      const inputs: Record<string, unknown>[] = [
        { name: 'logits', shape: logitsShape, datatype: 'FP64', data: d.logits },
        { name: 'targets', shape: targetsShape, datatype: d.classIds ? 'INT64' : 'FP64', data: d.targets },
      ];
      if (d.weights !== null) inputs.push({ name: 'weights', shape: [d.n], datatype: 'FP64', data: d.weights });
      // A per-class gamma is an input tensor [C]; one gamma a parameter (tritonclient parameters are scalars).
      if (Array.isArray(gamma)) inputs.push({ name: 'gamma', shape: [gamma.length], datatype: 'FP64', data: gamma });
      else if (gamma !== undefined) (parameters as Record<string, unknown>).gamma = gamma;
      const [reply, rows] = await Promise.all([inferJson(app, `focal_loss_${d.mode}`, { inputs, parameters }), postLoss(app, rowsBody(d))]);
      if (reply.status !== 200 || rows.status !== 200)
        throw new Error(`status ${reply.status} / ${rows.status}: ${JSON.stringify(reply.body)}`);
      const out = outputsByName(reply);
      const expected = expectedDense(d, rows.body);
      t.same(out.gradient.shape, logitsShape, "gradient in the logits' shape");
      t.same(out.gradient.data, expected.gradient, 'gradient = the 2-D gradient moved back');
      t.same(out.losses.data, expected.losses, 'losses = the 2-D losses moved back');
      t.same(mismatches(out.loss.data, [rows.body.loss]), [], 'loss, to rounding');
    }),
    { numRuns: 25 },
  );
});

t.test("/v2: a dense segmentation batch [N, C, H, W] gives the gradient of POST /loss in the logits' shape", async (t) => {
  const app = await buildTestApp(t);
  const [n, c, h, w] = [2, 3, 2, 3];
  const logits = Array.from({ length: n * c * h * w }, (_, i) => Math.sin(i) * 4);
  const ids = Array.from({ length: n * h * w }, (_, i) => (i * 7) % c);
  const viaLoss = await postLoss(app, {
    mode: 'multiclass',
    logits: nest(logits, [n, c, h, w]),
    targets: nest(ids, [n, h, w]),
    variant: 'poly1',
    gamma: [1, 2, 0.5],
    reduction: 'none',
  });
  t.equal(viaLoss.status, 200);
  const reply = await inferJson(app, 'focal_loss_multiclass', {
    inputs: [
      { name: 'logits', shape: [n, c, h, w], datatype: 'FP64', data: logits },
      { name: 'targets', shape: [n, h, w], datatype: 'INT64', data: ids },
      { name: 'gamma', shape: [c], datatype: 'FP64', data: [1, 2, 0.5] },
    ],
    parameters: { variant: 'poly1', reduction: 'none' },
  });
  t.equal(reply.status, 200, JSON.stringify(reply.body).slice(0, 300));
  const out = outputsByName(reply);
  t.same(out.gradient.shape, [n, c, h, w], "gradient in the logits' shape");
  t.same(out.losses.shape, [n, h, w], "losses in the targets' shape");
  t.same(out.gradient.data, flatten(viaLoss.body.gradient), 'the gradient of POST /loss');
  t.same(out.losses.data, flatten(viaLoss.body.losses), 'the losses of POST /loss');
  t.same(out.loss.data, [viaLoss.body.loss]);
});

const logits3 = [[[0.5, 1]], [[-1, 2]]]; // multilabel [N=2, C=1, d=2]
const mc = {
  mode: 'multiclass',
  logits: [
    [
      [1, 2],
      [0, -1],
    ],
    [
      [0, 1],
      [2, 2],
    ],
  ],
}; // [N=2, C=2, d=2]

const bad: BadCase[] = [
  {
    name: 'class-id targets not matching the spatial axes',
    body: {
      ...mc,
      targets: [
        [0, 1, 1],
        [1, 0, 0],
      ],
    },
    pointer: '#/targets',
    detail: /does not fit logits \[2, 2, 2\]: targets must be \[2, 2\] \(class ids\) or \[2, 2, 2\] \(probabilities\), got \[2, 3\]/,
  },
  {
    name: 'multilabel targets of another shape',
    body: {
      mode: 'multilabel',
      logits: logits3,
      targets: [
        [0, 1],
        [1, 0],
      ],
    },
    pointer: '#/targets',
    detail: /targets must be \[2, 1, 2\]/,
  },
  {
    name: 'weights per position instead of per sample',
    body: {
      ...mc,
      targets: [
        [0, 1],
        [1, 0],
      ],
      weights: [1, 1, 1, 1],
    },
    pointer: '#/weights',
    detail: /must be \[N\] = \[2\], one weight per sample \(got \[4\]\)/,
  },
  {
    name: 'a ragged nested array',
    body: {
      ...mc,
      logits: [
        [[1, 2], [0]],
        [
          [0, 1],
          [2, 2],
        ],
      ],
      targets: [
        [0, 1],
        [1, 0],
      ],
    },
    pointer: '#/logits/0/1',
    detail: /has 1 entries; logits has shape \[2, 2, 2\]/,
  },
  {
    name: 'a string deep in a nested array',
    body: {
      ...mc,
      logits: [
        [
          [1, 2],
          [0, 'x'],
        ],
        [
          [0, 1],
          [2, 2],
        ],
      ],
      targets: [
        [0, 1],
        [1, 0],
      ],
    },
    pointer: '#/logits/0/1/1',
    detail: /must be a number \(got string/,
  },
  {
    name: 'rank 9',
    body: {
      mode: 'multilabel',
      logits: tensor('float64', [1, 1, 1, 1, 1, 1, 1, 1, 1], [0]),
      targets: tensor('float64', [1, 1, 1, 1, 1, 1, 1, 1, 1], [0]),
    },
    pointer: '#/logits/shape',
    detail: /must NOT have more than 8 items/,
  },
  {
    name: 'rank 9 as nested JSON',
    body: { mode: 'multilabel', logits: [[[[[[[[[0]]]]]]]]], targets: [[[[[[[[[0]]]]]]]]] },
    pointer: '#/logits',
    detail: /has rank 9; dense logits have rank 3 to 8/,
  },
];

t.test('dense shape errors are 400 problem+json naming the field', async (t) => {
  const app = await buildTestApp(t);
  await expectBadRequests(t, app, bad);
});
