/**
 * Admission by memory through the real app: while requests in flight hold the budget, another
 * compute request is refused with 503 + Retry-After before its body is read; the reservation is
 * released when a response is done (sent or abandoned), and the metrics show the reservations.
 */
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { buildTestApp } from '../helpers/app.js';
import { occupyPool } from '../helpers/busy-pool.js';

const body = JSON.stringify({ mode: 'binary', logits: [0.5, -1, 2], targets: [1, 0, 1] });

t.test('over the memory budget: 503 before the body is read; released when the response is done', async (t) => {
  // A gzip body reserves 6 x BODY_LIMIT = 6 MB; a plain one 6 x its size.
  const app = await buildTestApp(t, { POOL_SIZE: '1', INLINE_MAX_ELEMENTS: '0', BODY_LIMIT: '1000000', MEMORY_BUDGET_BYTES: '6000100' });
  const busy = occupyPool(app, 1, 6_000_000);
  const gzip = app.inject({
    method: 'POST',
    url: '/loss',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    payload: gzipSync(body),
  });
  // The gzip request now waits for the busy worker, holding its reservation.
  for (let i = 0; i < 200 && app.memoryBudget.reservedBytes === 0; i++) await new Promise((r) => setImmediate(r));
  t.equal(app.memoryBudget.reservedBytes, 6_000_000, 'the waiting gzip request holds 6 x BODY_LIMIT');
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.body, /^focal_memory_reserved_bytes 6000000$/m, 'reservations in the metrics');
  t.match(metrics.body, /^focal_memory_budget_bytes 6000100$/m, 'and the budget');

  const refused = await app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json' }, payload: body });
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['retry-after'], '1');
  t.match(refused.headers['content-type'], /^application\/problem\+json/);
  const problem = refused.json();
  t.equal(problem.code, 'overloaded');
  t.match(problem.detail, /memory budget is taken by requests in flight \(6 MiB of 6 MiB reserved; this request needs about 1 MiB\)/);

  await Promise.all(busy);
  t.equal((await gzip).statusCode, 200, 'the admitted request is answered');
  t.equal(app.memoryBudget.reservedBytes, 0, 'its reservation is released');
  const admitted = await app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json' }, payload: body });
  t.equal(admitted.statusCode, 200, 'with the budget free again, the same request is admitted');
  t.equal(app.memoryBudget.reservedBytes, 0);
  const after = await app.inject({ method: 'GET', url: '/metrics' });
  t.match(after.body, /^focal_rejected_requests_total\{reason="overloaded"\} 1$/m, 'the refusal is counted as overloaded');
});

t.test('a request larger than the whole budget is admitted when nothing else is in flight', async (t) => {
  const app = await buildTestApp(t, { MEMORY_BUDGET_BYTES: '10' });
  const res = await app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json' }, payload: body });
  t.equal(res.statusCode, 200);
  t.equal(app.memoryBudget.reservedBytes, 0);
});

t.test('probes and metadata reserve nothing and are never refused for memory', async (t) => {
  const app = await buildTestApp(t, { MEMORY_BUDGET_BYTES: '10' });
  app.memoryBudget.tryReserve(100); // as if a large request were in flight
  for (const url of ['/healthz', '/readyz', '/v2/health/live', '/v2/models/focal_loss_binary']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
  }
  t.equal(app.memoryBudget.reservedBytes, 100, 'nothing more reserved');
});
