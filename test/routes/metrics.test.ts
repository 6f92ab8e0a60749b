/**
 * GET /metrics: Prometheus text with the service's metrics under their contracted names, and
 * values that follow what the service does: requests by route pattern and status, loss elements
 * and pool time by mode, rejections by reason, requests in flight and pool utilisation while a
 * computation runs.
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { scrape, value, waitForMetrics } from '../helpers/metrics.js';
import { PROBLEMS } from '../../src/errors/problem-error.js';
import { REJECT_REASONS } from '../../src/plugins/metrics.js';
import { occupyPool } from '../helpers/busy-pool.js';

// One worker per app is enough here and starts faster on a busy CI machine.
const ONE_WORKER = { POOL_SIZE: '1' };
const binary = { mode: 'binary', logits: [0.5, -1, 2], targets: [1, 0, 1] };
const multilabel = {
  mode: 'multilabel',
  logits: [
    [1, 2, 0],
    [0, 1, -1],
  ],
  targets: [
    [1, 0, 1],
    [0, 1, 0],
  ],
};
const rejected = (reason: string) => `focal_rejected_requests_total{reason="${reason}"}`;
const lossDuration = (status: number) => `http_request_duration_seconds_count{method="POST",route="/loss",status_code="${status}"}`;

t.test('Prometheus text format with every contracted metric and the default process metrics', async (t) => {
  const app = await buildTestApp(t, ONE_WORKER);
  await postLoss(app, binary);
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  for (const [name, type] of [
    ['http_request_duration_seconds', 'histogram'],
    ['http_requests_in_flight', 'gauge'],
    ['focal_pool_queue_depth', 'gauge'],
    ['focal_pool_utilization', 'gauge'],
    ['focal_pool_workers', 'gauge'],
    ['focal_elements_total', 'counter'],
    ['focal_kernel_duration_seconds', 'histogram'],
    ['focal_rejected_requests_total', 'counter'],
    ['process_cpu_user_seconds_total', 'counter'],
    ['process_resident_memory_bytes', 'gauge'],
    ['nodejs_eventloop_lag_seconds', 'gauge'],
  ]) {
    t.match(res.body, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} is a ${type}`);
  }
  const s = await scrape(app);
  t.equal(value(s, 'focal_pool_workers'), 1, 'the pool size');
  t.equal(value(s, 'focal_pool_queue_depth'), 0);
  t.equal(value(s, 'focal_pool_utilization'), 0, 'idle pool');
  t.equal(value(s, 'http_requests_in_flight'), 1, 'only the scrape itself is in flight');
});

t.test('loss requests count their elements and pool time by mode, and their duration by route and status', async (t) => {
  const app = await buildTestApp(t, ONE_WORKER);
  const before = await scrape(app);
  t.equal((await postLoss(app, binary)).status, 200);
  t.equal((await postLoss(app, multilabel)).status, 200);
  t.equal((await postLoss(app, multilabel)).status, 200);
  const after = await scrape(app);
  const diff = (series: string) => value(after, series) - value(before, series);
  t.equal(diff('focal_elements_total{mode="binary"}'), 3, 'binary: N = 3');
  t.equal(diff('focal_elements_total{mode="multilabel"}'), 12, 'multilabel: twice N*C = 6');
  t.equal(diff('focal_kernel_duration_seconds_count{mode="binary"}'), 1);
  t.equal(diff('focal_kernel_duration_seconds_count{mode="multilabel"}'), 2);
  t.ok(diff('focal_kernel_duration_seconds_sum{mode="multilabel"}') > 0, 'pool time is measured');
  t.equal(diff('focal_kernel_duration_seconds_bucket{le="+Inf",mode="binary"}'), 1);
  t.equal(diff(lossDuration(200)), 3, 'three POST /loss answered 200');
  t.ok(diff('http_request_duration_seconds_sum{method="POST",route="/loss",status_code="200"}') > 0);
  t.equal(diff('http_request_duration_seconds_count{method="GET",route="/metrics",status_code="200"}'), 1, 'the first scrape');
});

t.test('unmatched URLs are labelled not_found, never by their raw path', async (t) => {
  const app = await buildTestApp(t, ONE_WORKER);
  for (const url of ['/nope', '/nope/123', '/loss/../x?y=1']) await app.inject({ method: 'GET', url });
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(text, /http_request_duration_seconds_count\{method="GET",route="not_found",status_code="404"\} 3/);
  t.notMatch(text, /nope|\/x/, 'no raw URL in any label');
  t.notMatch(text, /focal_rejected_requests_total\{reason=/, 'a 404 is not a rejected request');
});

t.test('rejected requests are counted by reason', async (t) => {
  const app = await buildTestApp(t, { ...ONE_WORKER, MAX_ELEMENTS: '4', BODY_LIMIT: '1024' });
  const before = await scrape(app);
  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': contentType }, payload });
  t.equal((await post(JSON.stringify({ ...binary, logits: ['0.5', 1, 2] }))).statusCode, 400, 'schema validation');
  t.equal((await post(JSON.stringify({ ...binary, targets: [1, 0] }))).statusCode, 400, 'semantic validation');
  t.equal((await post('{"mode": "binary", "logits": [1,')).statusCode, 400, 'malformed JSON');
  t.equal(
    (await post(JSON.stringify({ mode: 'binary', logits: [1, 2, 3, 4, 5], targets: [1, 0, 1, 0, 1] }))).statusCode,
    413,
    'N x C > MAX_ELEMENTS',
  );
  t.equal((await post(JSON.stringify({ ...binary, class_names: ['x'.repeat(2000)] }))).statusCode, 413, 'body > BODY_LIMIT');
  t.equal((await post('mode=binary', 'text/plain')).statusCode, 415);
  t.equal(
    (await post(JSON.stringify({ mode: 'binary', logits: [-1e308, -1e308], targets: [1, 1], gamma: 0, alpha: null, reduction: 'sum' })))
      .statusCode,
    422,
  );
  await app.focalPool.close();
  t.equal((await post(JSON.stringify(binary))).statusCode, 503, 'shutting down');
  const after = await scrape(app);
  const diff = (series: string) => value(after, series) - value(before, series);
  t.equal(diff(rejected('validation')), 3);
  t.equal(diff(rejected('too_large')), 2);
  t.equal(diff(rejected('unsupported_media_type')), 1);
  t.equal(diff(rejected('not_finite')), 1);
  t.equal(diff(rejected('unavailable')), 1);
  t.equal(diff(lossDuration(400)), 3, 'rejections are in the request histogram too, by status');
  t.equal(diff('focal_elements_total{mode="binary"}'), 2, 'only the 422 was computed (and found to overflow)');
});

t.test('a full queue turns requests away as overloaded, counted once per 503', async (t) => {
  const app = await buildTestApp(t, { POOL_SIZE: '1', POOL_MAX_QUEUE: '1' });
  const busy = occupyPool(app, 2); // one computing, one waiting: the queue is full
  await waitForMetrics(app, (s) => value(s, 'focal_pool_queue_depth') === 1);
  const turnedAway = await Promise.all([postLoss(app, binary), postLoss(app, binary)]);
  t.same(
    turnedAway.map((r) => [r.status, r.body.code]),
    [
      [503, 'overloaded'],
      [503, 'overloaded'],
    ],
  );
  t.equal(value(await scrape(app), rejected('overloaded')), 2);
  await Promise.all(busy);
});

t.test('while the pool computes: utilisation, queue depth and requests in flight show it, then fall back', async (t) => {
  const app = await buildTestApp(t, { POOL_SIZE: '1' });
  const busy = occupyPool(app, 1);
  const waiting = postLoss(app, binary); // queued behind the big computation
  const during = await waitForMetrics(app, (s) => value(s, 'focal_pool_queue_depth') === 1);
  t.equal(value(during, 'focal_pool_utilization'), 1, 'the only worker is busy');
  t.equal(value(during, 'focal_pool_workers'), 1);
  t.equal(value(during, 'http_requests_in_flight'), 2, 'the waiting loss request and the scrape');
  await Promise.all(busy);
  t.equal((await waiting).status, 200, 'the queued request is answered');
  const idle = await scrape(app);
  t.equal(value(idle, 'focal_pool_utilization'), 0);
  t.equal(value(idle, 'focal_pool_queue_depth'), 0);
  t.equal(value(idle, 'http_requests_in_flight'), 1);
});

t.test('every problem code has a rejection reason or is explicitly not a rejection', async (t) => {
  t.same(Object.keys(REJECT_REASONS).sort(), Object.keys(PROBLEMS).sort());
  const reasons = new Set(Object.values(REJECT_REASONS).filter((r) => r !== null));
  t.same([...reasons].sort(), [
    'cancelled',
    'not_finite',
    'overloaded',
    'rate_limited',
    'timeout',
    'too_large',
    'unauthorized',
    'unavailable',
    'unsupported_media_type',
    'validation',
  ]);
});

t.test('two apps in one process keep separate registries', async (t) => {
  const a = await buildTestApp(t, ONE_WORKER);
  const b = await buildTestApp(t, ONE_WORKER);
  await postLoss(a, binary);
  t.equal(value(await scrape(a), 'focal_elements_total{mode="binary"}'), 3);
  t.equal(value(await scrape(b), 'focal_elements_total{mode="binary"}'), 0);
});
