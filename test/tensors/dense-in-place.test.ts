/**
 * A dense request is not rearranged: the decoded batch's arrays are the request's own values in
 * their own layout [N, C, d1..dk] (the very typed array for a tensor another protocol decoded; a
 * view of the decoded bytes for base64), the kernels are told the positions per sample, and the
 * gradient handed to the response is the kernel's array itself. The values the kernels compute
 * from that layout are checked against reshaped 2-D batches in test/kernels/dense-layout.test.ts.
 */
import t from 'tap';
import { decodeLossRequest, type LossInput } from '../../src/tensors/decode-loss-request.js';
import { encodeLossResponse } from '../../src/tensors/encode-loss-response.js';
import { focalLoss } from '../../src/kernels/focal.js';
import * as denseShapes from '../../src/tensors/dense-shapes.js';
import { tensor } from '../helpers/encoded.js';

const LIMITS = { maxElements: 1e6, maxClasses: 100 };
const [n, c, h, w] = [2, 3, 4, 5];
const s = h * w;
const logits = Float64Array.from({ length: n * c * s }, (_, i) => Math.sin(i) * 3);
const ids = Int32Array.from({ length: n * s }, (_, i) => i % c);

t.test('decoded dense tensors are the batch as it is: same array, positions S, weights one per sample', async (t) => {
  const weights = Float64Array.of(0.5, 2);
  const input = {
    mode: 'multiclass',
    logits: { shape: [n, c, h, w], values: logits },
    targets: { shape: [n, h, w], values: ids },
    weights: { shape: [n], values: weights },
    outputs: ['gradient', 'losses'],
    reduction: 'none',
  } as unknown as LossInput;
  const decoded = decodeLossRequest(input, LIMITS);
  const { batch } = decoded;
  t.equal(batch.logits, logits, 'the logits are the request tensor itself, not a [N*S, C] copy');
  t.equal(batch.weights, weights, 'the weights stay one per sample, not repeated per position');
  t.same([batch.n, batch.c, batch.positions], [n * s, c, s], 'N*S rows of C classes, S positions per sample');
  const result = focalLoss(batch);
  const body = encodeLossResponse(decoded, result);
  t.equal(
    denseShapes.gradientOut(result.gradient as Float64Array, decoded.dense!).values,
    result.gradient,
    'the gradient goes out as computed',
  );
  t.equal((body.gradient as number[][][][]).length, n, 'gradient nested [N, C, H, W]');
  t.same(
    [
      (body.gradient as number[][][][])[0].length,
      (body.gradient as number[][][][])[0][0].length,
      (body.gradient as number[][][][])[0][0][0].length,
    ],
    [c, h, w],
  );
  // Row r = (sample 1, position 7) has its class k at element (1 C + k) S + 7 of the request's layout.
  const r = s + 7;
  const zs = [0, 1, 2].map((k) => logits[(1 * c + k) * s + 7]);
  const zmax = Math.max(...zs);
  const label = ids[r];
  t.equal(label, (s + 7) % c);
  // gamma 2 focal loss of that row, its label's probability computed here independently.
  const pl = Math.exp(zs[label] - zmax) / zs.reduce((a, z) => a + Math.exp(z - zmax), 0);
  t.ok(Math.abs((result.losses as Float64Array)[r] - 2 * (1 - pl) ** 2 * -Math.log(pl)) < 1e-12, 'row (1, 7)');
});

t.test('a base64 dense tensor is read as a view of its decoded bytes, in its own layout', async (t) => {
  const body = {
    mode: 'multilabel',
    logits: tensor('float64', [n, c, h, w], Array.from(logits)),
    targets: tensor(
      'uint8',
      [n, c, h, w],
      Array.from(logits, (z) => +(z > 0)),
    ),
  };
  const { batch } = decodeLossRequest(body as unknown as LossInput, LIMITS);
  t.equal(batch.logits.length, n * c * s);
  t.same(Array.from(batch.logits), Array.from(logits), 'the same order as sent: [N, C, H, W]');
  t.ok(batch.mode !== 'multiclass' && batch.targets instanceof Uint8Array, 'uint8 labels are read as they are');
  t.equal(batch.positions, s);
});

t.test('dense-shapes has no function that moves values between layouts', async (t) => {
  t.same(Object.keys(denseShapes).sort(), ['MAX_DENSE_RANK', 'MIN_DENSE_RANK', 'gradientOut', 'isDense', 'lossesOut', 'readDense']);
  const flat = new Float64Array(6);
  const layout = { logitsShape: [1, 2, 3], lossesShape: [1, 3], samples: 1, c: 2, positions: 3 };
  t.equal(denseShapes.lossesOut(flat, layout).values, flat, 'losses go out as computed');
  t.same(denseShapes.lossesOut(flat, layout).shape, [1, 3]);
});

t.test('a probability vector along the class axis that does not sum to 1 is named by its first element', async (t) => {
  const probabilities = new Float64Array(n * c * s);
  for (let i = 0; i < n; i++) for (let p = 0; p < s; p++) probabilities[(i * c + (p % c)) * s + p] = 1;
  probabilities[(1 * c + 0) * s + 3] += 0.5; // sample 1, position 3 (h 0, w 3)
  const input = {
    mode: 'multiclass',
    logits: tensor('float64', [n, c, h, w], Array.from(logits)),
    targets: tensor('float64', [n, c, h, w], Array.from(probabilities)),
  };
  let errors: { pointer: string; detail: string }[] = [];
  try {
    decodeLossRequest(input as unknown as LossInput, LIMITS);
  } catch (err) {
    errors = (err as { errors?: { pointer: string; detail: string }[] }).errors ?? [];
  }
  t.equal(errors.length, 1, 'one error');
  t.equal(errors[0]?.pointer, '#/targets/data');
  t.match(errors[0]?.detail, /element \[1, 0, 0, 3\]/, "names the position's class-0 element in the request's shape");
  t.match(errors[0]?.detail, /class axis \(axis 1\) summing to 1\.5/);
});
