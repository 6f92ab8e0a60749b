/**
 * Large batches on every idle worker, through the real app: a request whose batch is at least
 * SPLIT_MIN_ELEMENTS is computed in row ranges on all idle workers (its log line says how many)
 * and answers what the reference says; while another worker is busy it is not split, so a split
 * never waits for (or holds up) other work; and a full queue still answers 503 + Retry-After.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';
import { occupyPool } from '../helpers/busy-pool.js';
import { captureLogs } from '../helpers/log-lines.js';

const cases = [...loadCases('cases-regular.json'), ...loadCases('cases-extreme.json'), ...loadCases('cases-variants.json')].filter((c) => {
  const logits = (c.request as { logits: unknown }).logits;
  return Array.isArray(logits) && logits.length >= 2;
});

t.test('a large batch is computed on every idle worker and answers as the reference says', async (t) => {
  const { log, logger } = captureLogs();
  const app = await buildTestApp(t, { POOL_SIZE: '3', OFFLOAD_MIN_BYTES: '0', SPLIT_MIN_ELEMENTS: '1' }, { logger });
  let split = 0;
  for (const [i, c] of cases.entries()) {
    const res = await app.inject({
      method: 'POST',
      url: '/loss',
      headers: { 'content-type': 'application/json', 'x-request-id': `split-${i}` },
      payload: JSON.stringify(c.request),
    });
    t.same(compareToExpected(res.json(), c.expected), [], c.name);
    const line = log.lines.find((l) => l.reqId === `split-${i}` && l.msg === 'request completed');
    // Every answered batch is split over the 3 idle workers (over n workers when it has n < 3 rows).
    const overIdleWorkers = line !== undefined && (line.parts === 3 || (Number(line.n) < 3 && line.parts === line.n));
    t.ok(res.statusCode !== 200 || overIdleWorkers, `${c.name}: ${res.statusCode}, split over the idle workers (${line?.parts})`);
    if (line?.parts !== undefined) split++;
  }
  t.ok(split >= cases.length / 2, `${split} of ${cases.length} requests were split`);
});

t.test('no split while another worker is busy', async (t) => {
  const { log, logger } = captureLogs();
  const app = await buildTestApp(t, { POOL_SIZE: '2', OFFLOAD_MIN_BYTES: '0', SPLIT_MIN_ELEMENTS: '1' }, { logger });
  const busy = occupyPool(app, 1, 4_000_000);
  const c = cases[0];
  const res = await app.inject({
    method: 'POST',
    url: '/loss',
    headers: { 'content-type': 'application/json', 'x-request-id': 'beside-busy' },
    payload: JSON.stringify(c.request),
  });
  t.same(compareToExpected(res.json(), c.expected), []);
  const line = log.lines.find((l) => l.reqId === 'beside-busy' && l.msg === 'request completed');
  t.ok(line, 'logged');
  t.equal(line?.parts, undefined, 'computed by one worker');
  await Promise.all(busy);
});

t.test('splitting keeps the queue bound: a full queue answers 503 with Retry-After', async (t) => {
  const app = await buildTestApp(t, { POOL_SIZE: '1', POOL_MAX_QUEUE: '1', OFFLOAD_MIN_BYTES: '0', SPLIT_MIN_ELEMENTS: '1' });
  const busy = occupyPool(app, 2, 4_000_000);
  const res = await app.inject({
    method: 'POST',
    url: '/loss',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(cases[0].request),
  });
  t.equal(res.statusCode, 503);
  t.equal(res.headers['retry-after'], '1');
  t.equal(res.json().code, 'overloaded');
  await Promise.all(busy);
});

/** A multiclass batch as encoded tensors, with every third row ignored (its gradient row is 0). */
function encodedMulticlass(n: number, c: number, seed: number): string {
  const logits = new Float32Array(n * c);
  let s = seed;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  for (let i = 0; i < logits.length; i++) logits[i] = 8 * next() - 4;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 3 === 0 ? -100 : Math.floor(next() * c);
  const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  return JSON.stringify({
    mode: 'multiclass',
    logits: { dtype: 'float32', shape: [n, c], data: b64(logits) },
    targets: { dtype: 'int32', shape: [n], data: b64(labels) },
    ignore_index: -100,
    encoding: 'base64',
    outputs: ['loss', 'gradient', 'losses'],
  });
}

t.test('split batches reuse the shared memory of earlier ones, and answer as if unsplit', async (t) => {
  const { log, logger } = captureLogs();
  const env = { POOL_SIZE: '2', SPLIT_MIN_ELEMENTS: '1000' };
  const split = await buildTestApp(t, env, { logger });
  const whole = await buildTestApp(t, { ...env, SPLIT_MIN_ELEMENTS: '0' });
  const post = (app: typeof split, payload: string, id: string) =>
    app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json', 'x-request-id': id }, payload });
  t.equal(split.focalPool.retainedBatchMemoryBytes, 0, 'nothing kept before the first split');
  const first = await post(split, encodedMulticlass(100_000, 4, 1), 'reuse-1');
  t.equal(first.statusCode, 200);
  const kept = split.focalPool.retainedBatchMemoryBytes;
  t.ok(kept >= 100_000 * 4 * (4 + 8), `the first batch's memory is kept (${kept} bytes)`);
  // A different batch in the same (now dirty) memory: ignored rows must still get a zero gradient.
  const payload = encodedMulticlass(100_000, 4, 2);
  const [again, reference] = await Promise.all([post(split, payload, 'reuse-2'), post(whole, payload, 'whole')]);
  t.equal(log.lines.find((l) => l.reqId === 'reuse-2' && l.msg === 'request completed')?.parts, 2, 'split over both workers');
  t.equal(split.focalPool.retainedBatchMemoryBytes, kept, 'no new memory: the kept buffers were reused');
  const a = again.json();
  const b = reference.json();
  t.equal(a.gradient.data, b.gradient.data, 'the gradient is bit for bit the unsplit one');
  t.equal(a.losses.data, b.losses.data, 'so are the losses');
  t.ok(Math.abs(a.loss - b.loss) <= 1e-13 * Math.abs(b.loss), 'the loss agrees to 1e-13');
  const gradient = new Float64Array(Buffer.from(a.gradient.data, 'base64').buffer.slice(0));
  t.ok(gradient.subarray(0, 4).every((v) => v === 0) && gradient.subarray(12, 16).every((v) => v === 0), 'ignored rows are zero');
});
