/**
 * Encoded tensors decode straight into typed arrays that the worker can take by transfer:
 * each owns its whole buffer (never a view into Node's shared Buffer pool), float32 logits and
 * integer targets stay as they are (no widened copy), and no per-element JS arrays are made.
 */
import t from 'tap';
import { decodeLossRequest } from '../../src/tensors/decode-loss-request.js';
import { batchBuffers } from '../../src/pool/focal-task.js';
import type { LossRequest } from '../../src/schemas/loss-request.js';
import type { SigmoidBatch, SoftmaxBatch } from '../../src/kernels/types.js';
import { tensor } from '../helpers/encoded.js';

const owns = (a: ArrayBufferView) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;

t.test('binary: float32 logits and uint8 targets are used as sent, each in its own buffer', async (t) => {
  const body = {
    mode: 'binary',
    logits: tensor('float32', [3], [0.5, -1, 2]),
    targets: tensor('uint8', [3], [1, 0, 1]),
    weights: tensor('float64', [3], [1, 2, 3]),
  } as unknown as LossRequest;
  const { batch } = decodeLossRequest(body, { maxElements: 100, maxClasses: 100 });
  const p = batch as SigmoidBatch;
  t.type(p.logits, Float32Array);
  t.same(Array.from(p.logits), [0.5, -1, 2]);
  t.type(p.targets, Uint8Array);
  t.type(p.weights, Float64Array);
  t.ok(owns(p.logits) && owns(p.targets) && owns(p.weights!), 'every array spans its own buffer');
  const buffers = batchBuffers(batch);
  for (const a of [p.logits, p.targets, p.weights!]) t.ok(buffers.includes(a.buffer as ArrayBuffer), 'and is in the transfer list');
});

t.test('multiclass: int64 class ids become int32 labels, ignore_index as -1; float32 probability rows stay float32', async (t) => {
  const ids = decodeLossRequest(
    {
      mode: 'multiclass',
      logits: tensor('float64', [3, 2], [1, 2, 3, 4, 5, 6]),
      targets: tensor('int64', [3], [1, -100, 0]),
      ignore_index: -100,
    } as unknown as LossRequest,
    { maxElements: 100, maxClasses: 100 },
  ).batch as SoftmaxBatch;
  t.same(Array.from(ids.labels!), [1, -1, 0]);
  const rows = decodeLossRequest(
    {
      mode: 'multiclass',
      logits: tensor('float32', [2, 2], [1, 2, 3, 4]),
      targets: tensor('float32', [2, 2], [0.25, 0.75, 1, 0]),
    } as unknown as LossRequest,
    { maxElements: 100, maxClasses: 100 },
  ).batch as SoftmaxBatch;
  t.type(rows.probabilities, Float32Array);
  const oneHot = decodeLossRequest(
    {
      mode: 'multiclass',
      logits: tensor('float32', [2, 2], [1, 2, 3, 4]),
      targets: tensor('uint8', [2, 2], [0, 1, 1, 0]),
    } as unknown as LossRequest,
    { maxElements: 100, maxClasses: 100 },
  ).batch as SoftmaxBatch;
  t.same(Array.from(oneHot.probabilities!), [0, 1, 1, 0], 'integer probability rows (one-hot) are read as floats');
});

t.test('small tensors (which Node would decode into its shared pool) still get buffers of their own', async (t) => {
  for (let n = 1; n <= 9; n++) {
    const values = Array.from({ length: n }, (_, i) => i / 10);
    const { batch } = decodeLossRequest(
      { mode: 'binary', logits: tensor('float64', [n], values), targets: tensor('float32', [n], values) } as unknown as LossRequest,
      { maxElements: 100, maxClasses: 100 },
    );
    const p = batch as SigmoidBatch;
    t.ok(owns(p.logits) && owns(p.targets), `n = ${n}`);
    t.equal(p.logits.buffer.byteLength, 8 * n);
  }
});
