/**
 * Liveness and readiness, and the request id echoed on every response.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { occupyPool } from '../helpers/busy-pool.js';
import { value, waitForMetrics } from '../helpers/metrics.js';

t.test('/healthz and /readyz answer while the pool is running', async (t) => {
  const app = await buildTestApp(t);
  const live = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(live.statusCode, 200);
  t.same(live.json(), { status: 'ok' });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { status: 'ready', workers: Number, queued: 0 });
});

t.test('/healthz and /readyz answer while every worker is busy and work is queued', async (t) => {
  const app = await buildTestApp(t, { POOL_SIZE: '1' });
  const busy = occupyPool(app, 2);
  await waitForMetrics(app, (s) => value(s, 'focal_pool_utilization') === 1 && value(s, 'focal_pool_queue_depth') === 1);
  const started = performance.now();
  const live = await app.inject({ method: 'GET', url: '/healthz' });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  const ms = performance.now() - started;
  t.equal(live.statusCode, 200);
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { status: 'ready', workers: 1, queued: 1 }, 'readiness reports the queue');
  t.comment(`both answered in ${ms.toFixed(1)} ms while the worker computed`);
  await Promise.all(busy);
});

t.test('/readyz is 503 once the pool is closing', async (t) => {
  const app = await buildTestApp(t);
  await app.focalPool.close();
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.equal(res.json().code, 'unavailable');
  t.equal(res.headers['retry-after'], '1');
});

t.test('x-request-id is taken from the request when it looks like an id, else generated', async (t) => {
  const app = await buildTestApp(t);
  const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'job-42.chunk-7' } });
  t.equal(given.headers['x-request-id'], 'job-42.chunk-7');
  const hostile = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b\u0000<script>' } });
  t.match(hostile.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const none = await app.inject({ method: 'GET', url: '/nope' });
  t.match(none.json().instance, `urn:request-id:${none.headers['x-request-id']}`);
});
