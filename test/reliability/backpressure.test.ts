/**
 * Backpressure and time: a full queue is a 503 with Retry-After within milliseconds, load
 * shedding on event-loop delay answers 503 while probes stay up, a request past its deadline is
 * a 504 and its task is aborted, and a client that goes away has its task cancelled. After each,
 * the pool serves the next request.
 */
import t from 'tap';
import { performance } from 'node:perf_hooks';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { startServer } from '../helpers/server-process.js';
import { FAULT_SLOW } from '../helpers/fault-worker.js';
import { pollUntil } from '../helpers/poll.js';
import { value, waitForMetrics } from '../helpers/metrics.js';
import { pressureReading } from '../../src/plugins/compute-guards.js';

const faultWorker = new URL('../helpers/fault-worker.ts', import.meta.url);
const small = { mode: 'binary', logits: [0.5, -1], targets: [1, 0] };
const slow = { mode: 'binary', logits: [FAULT_SLOW, 0], targets: [1, 0] };

t.test("a full queue answers 503 + Retry-After at once, never piscina's error", async (t) => {
  const app = await buildTestApp(t, { POOL_SIZE: '1', POOL_MAX_QUEUE: '1' }, { workerUrl: faultWorker });
  await postLoss(app, small); // worker warm
  const busy = [postLoss(app, slow), postLoss(app, slow)]; // one computing (2 s), one queued
  await waitForMetrics(app, (s) => value(s, 'focal_pool_queue_depth') === 1);
  t.equal(app.focalPool.queueSize, 1, 'one request computes, one waits: the queue is full');
  const started = performance.now();
  const refused = await postLoss(app, small);
  const ms = performance.now() - started;
  t.equal(refused.status, 503);
  t.equal(refused.body.code, 'overloaded');
  t.equal(refused.headers['retry-after'], '1');
  t.match(refused.headers['content-type'], /application\/problem\+json/);
  t.ok(ms < 200, `refused in ${ms.toFixed(1)} ms`);
  const health = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(health.statusCode, 200, '/readyz answers while every worker is busy');
  const done = await Promise.all(busy);
  t.same(
    done.map((r) => r.status),
    [200, 200],
    'the accepted requests complete',
  );
  t.equal((await postLoss(app, small)).status, 200, 'and the next one is served');
});

t.test('event-loop delay sheds compute requests with 503 while probes answer', async (t) => {
  const app = await buildTestApp(t, { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '100' });
  await postLoss(app, small);
  // Keep the loop blocked in 200 ms slices across more than one sampling interval (1 s), so the
  // sampled mean delay is far above the limit.
  for (let i = 0; i < 12; i++) {
    const until = Date.now() + 200;
    while (Date.now() < until);
    await new Promise((r) => setImmediate(r));
  }
  const shed = await postLoss(app, small);
  t.equal(shed.status, 503);
  t.equal(shed.body.code, 'overloaded');
  t.match(shed.body.detail, /eventLoopDelay: (\d+|the event loop did not turn)/);
  t.notMatch(shed.body.detail, /Infinity|NaN/, 'a reading in words or a real number');
  t.equal(shed.headers['retry-after'], '1');
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness is not shed');
  // The next samples (one a second) find the loop healthy again.
  const served = await pollUntil(
    () => postLoss(app, small),
    (r) => r.status === 200,
    { everyMs: 100, what: 'a 200 after the loop recovered' },
  );
  t.equal(served.status, 200, 'served again once the loop is healthy');
});

t.test('a shedding reading is a number, or says the loop never turned', async (t) => {
  t.equal(pressureReading('eventLoopDelay', 1234.4), 'eventLoopDelay: 1234');
  t.equal(
    pressureReading('eventLoopDelay', Infinity),
    'eventLoopDelay: the event loop did not turn for the whole 1000 ms sampling interval',
  );
});

t.test('heap pressure sheds compute requests too', async (t) => {
  const app = await buildTestApp(t, { PRESSURE_MAX_HEAP_USED_BYTES: '1' });
  // Shed from the first memory sample on (under-pressure samples once a second).
  // (The first request also waits for the workers to start, which on a loaded machine has taken 20 s and more.)
  const shed = await pollUntil(
    () => postLoss(app, small),
    (r) => r.status !== 200,
    { everyMs: 100, timeoutMs: 90_000, what: 'shedding on heap use' },
  );
  t.equal(shed.status, 503);
  t.match(shed.body.detail, /heapUsedBytes/);
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'readiness is not shed');
});

t.test('past REQUEST_TIMEOUT_MS: 504 problem, the task is aborted, the pool recovers', async (t) => {
  const app = await buildTestApp(t, { POOL_SIZE: '1', REQUEST_TIMEOUT_MS: '300' }, { workerUrl: faultWorker });
  await postLoss(app, small);
  const started = performance.now();
  const res = await postLoss(app, slow);
  const ms = performance.now() - started;
  t.equal(res.status, 504);
  t.equal(res.body.code, 'timeout');
  t.match(res.body.detail, /REQUEST_TIMEOUT_MS \(300 ms\)/);
  t.ok(ms < 1500, `answered after ${ms.toFixed(0)} ms, not after the 2 s computation`);
  // The aborted task's worker was replaced; a fresh one serves the next request once it has
  // loaded (tens of ms compiled, seconds under the test loader, which the short deadline counts).
  const next = await pollUntil(
    () => postLoss(app, small),
    (r) => r.status !== 504,
    { everyMs: 250, what: 'a fresh worker' },
  );
  t.equal(next.status, 200, 'the next request is served by a fresh worker');
});

t.test('a client that disconnects has its computation cancelled', async (t) => {
  const server = await startServer({ POOL_SIZE: '1', LOG_LEVEL: 'debug' });
  t.teardown(() => void server.child.kill('SIGKILL'));
  const n = 3_000_000;
  const body = JSON.stringify({ mode: 'binary', logits: new Array(n).fill(0.25), targets: new Array(n).fill(1), gamma: 1.5 });
  const controller = new AbortController();
  const pending = fetch(`${server.url}/loss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'goes-away' },
    body,
    signal: controller.signal,
  }).catch((err: Error) => err);
  // Abort once the server has parsed the body and handed the task to the pool.
  const computing = await server.logsMatching((l) => l.msg === 'computing' && l.reqId === 'goes-away', 1, 20_000);
  t.equal(computing.length, 1, 'the server started computing');
  controller.abort();
  t.type(await pending, Error, 'the client gave up');
  const [line] = await server.logsMatching((l) => l.reqId === 'goes-away' && l.msg === 'request completed', 1);
  t.match(
    line,
    { problem: 'cancelled', statusCode: 499 },
    `logged as cancelled, not computed for nobody: ${JSON.stringify(server.logs.filter((l) => l.reqId === 'goes-away'))}`,
  );
  const next = await fetch(`${server.url}/loss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(small),
  });
  t.equal(next.status, 200, 'the pool serves the next request');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  t.match(metrics, /^focal_rejected_requests_total\{reason="cancelled"\} 1$/m, 'the cancellation is counted');
  t.match(metrics, /^http_requests_in_flight 1$/m, 'and no longer in flight (the one in flight is this scrape)');
});
